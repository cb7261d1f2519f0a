package models

import (
	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/lstm"
	"github.com/gomlx/gomlx/ml/model"
)

// BiLSTMConfig is the IMDB model of section 4.1: a 2-layer bidirectional LSTM (the paper gives no
// sizes; these are ours).
type BiLSTMConfig struct {
	Vocab, Embedding, Hidden, Layers int
}

// DefaultBiLSTM is our choice for IMDB: 128-d embeddings, 2 layers of 128 units per direction.
func DefaultBiLSTM(vocab int) BiLSTMConfig {
	return BiLSTMConfig{Vocab: vocab, Embedding: 128, Hidden: 128, Layers: 2}
}

// BiLSTMFeatures embeds tokens [B, T] (int32, 0 = padding) with lengths [B] and returns the
// concatenated last hidden states of both directions of the top layer: [B, 2·Hidden].
func BiLSTMFeatures(scope *model.Scope, cfg BiLSTMConfig, tokens, lengths *Node) *Node {
	x := layers.Embedding(scope.In("embedding"), tokens, dtypes.Float32, cfg.Vocab, cfg.Embedding)
	lengths = ConvertDType(lengths, dtypes.Int32)
	var last *Node
	for l := range cfg.Layers {
		all, lastH, _ := lstm.New(scope.In("lstm%d", l), x, cfg.Hidden).
			Direction(lstm.DirBidirectional).Ragged(lengths).Done()
		// all: [T, 2, B, H] → [B, T, 2·H] as the next layer's input.
		d := all.Shape().Dimensions
		x = Reshape(TransposeAllDims(all, 2, 0, 1, 3), d[2], d[0], d[1]*d[3])
		last = lastH // [2, B, H]
	}
	d := last.Shape().Dimensions
	return Reshape(TransposeAllDims(last, 1, 0, 2), d[1], d[0]*d[2])
}
