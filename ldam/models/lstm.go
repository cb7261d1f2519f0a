package models

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
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

// BiLSTMFeatures embeds tokens [B, T] (int32, 0 = padding at the end) with lengths [B] and
// returns the mean over the valid positions of the top layer's outputs of both directions:
// [B, 2·Hidden]. (GoMLX's lstm.Ragged panics in v0.28.2 — a Where broadcasting error — so the
// sequences run over their padding and the pooling masks it out.)
func BiLSTMFeatures(scope *model.Scope, cfg BiLSTMConfig, tokens, lengths *Node) *Node {
	x := layers.Embedding(scope.In("embedding"), tokens, dtypes.Float32, cfg.Vocab, cfg.Embedding)
	B, T := tokens.Shape().Dimensions[0], tokens.Shape().Dimensions[1]
	for l := range cfg.Layers {
		all, _, _ := lstm.New(scope.In("lstm%d", l), x, cfg.Hidden).Direction(lstm.DirBidirectional).Done()
		// all: [T, 2, B, H] → [B, T, 2·H] as the next layer's input.
		d := all.Shape().Dimensions
		x = Reshape(TransposeAllDims(all, 2, 0, 1, 3), d[2], d[0], d[1]*d[3])
	}
	positions := Iota(tokens.Graph(), shapes.Make(dtypes.Int32, B, T), 1)
	mask := ConvertDType(LessThan(positions, ExpandAxes(ConvertDType(lengths, dtypes.Int32), -1)), x.DType()) // [B, T]
	sum := ReduceSum(Mul(x, ExpandAxes(mask, -1)), 1)
	return Div(sum, ExpandAxes(MaxScalar(ReduceSum(mask, 1), 1.0), -1))
}
