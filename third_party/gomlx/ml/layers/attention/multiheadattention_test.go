// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package attention

import (
	"fmt"
	"iter"
	"math"
	"math/rand"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/compute/support/xslices"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/model/modeltest"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/testutil"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMultiHeadAttentionGraph(t *testing.T) {
	backend := testutil.BuildTestBackend()
	{
		store := model.NewStore()
		g := NewGraph(backend, "test")
		batchSize := 3
		key := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 4, 5, 3))
		query := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 7, 1, 2))
		value := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 4, 5, 10))
		attOutput, attCoef := MultiHeadAttention(store.RootScope(), query, key, value, 6, 12).
			WithOutputDim(11).DoneWithCoefficients()
		assert.EqualValues(t, []int{batchSize, 7, 1, 11}, attOutput.Shape().Dimensions, "AttentionOutput shape mismatch")
		assert.EqualValues(t, []int{batchSize, 7, 1, 6, 4, 5}, attCoef.Shape().Dimensions, "AttentionCoefficients shape mismatch")
	}

	// Higher-rank with key mask: verifies that masks are correctly flattened alongside Q/K/V
	// when inner axes are > 1, and that the graph executes without errors.
	{
		store := model.NewStore()
		batchSize := 2
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, input *Node) (*Node, *Node) {
			g := input.Graph()
			key := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 3, 4, 5))
			query := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 6, 1, 3))
			value := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 3, 4, 7))
			// keyMask shape: [batch, 3, 4] — one mask per key inner element, same for all heads.
			keyMask := Const(g, true)
			keyMask = BroadcastToDims(keyMask, batchSize, 3, 4)
			return MultiHeadAttention(scope, query, key, value, 2, 8).
				WithKeyMask(keyMask).
				WithOutputDim(9).DoneWithCoefficients()
		})
		// Pass a dummy input to trigger execution.
		results := exec.MustCall(tensors.FromScalar(float32(0)))
		assert.EqualValues(t, []int{batchSize, 6, 1, 9}, results[0].Shape().Dimensions, "Higher-rank masked output shape")
		assert.EqualValues(t, []int{batchSize, 6, 1, 2, 3, 4}, results[1].Shape().Dimensions, "Higher-rank masked coef shape")
	}

	modeltest.RunTestGraphFn(t, "MultiHeadAttention with masking",
		func(scope *model.Scope, g *Graph) (inputs, outputs []*Node) {
			batchSize := 2
			key := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 3, 3))
			query := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 3, 2))
			value := OnePlus(IotaFull(g, shapes.Make(dtypes.Float32, batchSize, 3, 2)))
			attOutput, attCoef := MultiHeadAttention(scope.WithInitializer(initializer.One),
				query, key, value, 1, 2).
				WithCausalMask(true).
				WithOutputDim(5).DoneWithCoefficients()
			inputs = []*Node{key, query, value}
			outputs = []*Node{attOutput, attCoef}
			return
		}, []any{
			[][][]float32{
				{{9, 9, 9, 9, 9}, {17, 17, 17, 17, 17}, {25, 25, 25, 25, 25}},
				{{33, 33, 33, 33, 33}, {41, 41, 41, 41, 41}, {49, 49, 49, 49, 49}},
			},
			[][][][]float32{
				// Attention should be mostly (99.9999...%) on the right-most of the valid options,
				// which in the case of causal mask (a lower-triangular matrix) will be on the diagonal.
				{{{1, 0, 0}}, {{0, 1, 0}}, {{0, 0, 1}}},
				{{{1, 0, 0}}, {{0, 1, 0}}, {{0, 0, 1}}},
			},
		}, xslices.Epsilon)
}

// TestMultiHeadAttentionFusedPath verifies that the fused SDPA fast path
// produces the same results as the decomposed path.
func TestMultiHeadAttentionFusedPath(t *testing.T) {
	backend := testutil.BuildTestBackend()

	// Test that Done() (which may use fused path) matches DoneWithCoefficients()
	// (which always uses decomposed path) with the same weights.
	for _, useCausal := range []bool{false, true} {
		name := "no_causal"
		if useCausal {
			name = "causal"
		}
		t.Run(name, func(t *testing.T) {
			batchSize := 2
			seqLen := 3
			inputDim := 4
			numHeads := 2
			headDim := 2

			// Build two graphs with the same scope (shared weights):
			// one using DoneWithCoefficients (decomposed), one using Done (fused).
			store := model.NewStore()

			// Decomposed path.
			decomposedExec := model.MustNewExec(backend, store, func(scope *model.Scope, g *Graph) []*Node {
				scope = scope.WithInitializer(initializer.One)
				input := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, seqLen, inputDim))
				builder := MultiHeadAttention(scope, input, input, input, numHeads, headDim)
				if useCausal {
					builder = builder.WithCausalMask(true)
				}
				output, _ := builder.DoneWithCoefficients()
				return []*Node{output}
			})
			decomposedOutputs := decomposedExec.MustCall()

			// Fused path (Done() will use fused when available).
			fusedExec := model.MustNewExec(backend, store, func(scope *model.Scope, g *Graph) []*Node {
				scope = scope.WithInitializer(initializer.One)
				input := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, seqLen, inputDim))
				builder := MultiHeadAttention(scope, input, input, input, numHeads, headDim)
				if useCausal {
					builder = builder.WithCausalMask(true)
				}
				output := builder.Done()
				return []*Node{output}
			})
			fusedOutputs := fusedExec.MustCall()

			// Compare outputs.
			decomposedVal := decomposedOutputs[0].Value()
			fusedVal := fusedOutputs[0].Value()

			require.Truef(t, xslices.SlicesInDelta(decomposedVal, fusedVal, 1e-4),
				"Fused and decomposed paths produce different results.\nDecomposed: %v\nFused: %v",
				decomposedVal, fusedVal)
		})
	}
}

func TestMultiHeadAttentionWithRoPE(t *testing.T) {
	// Verify MHA with RoPE runs without error and produces correct output shape.
	// This test catches the seq axis bug where RoPE was applied on the heads axis
	// instead of the seq axis for BSHD layout.
	backend := testutil.BuildTestBackend()
	store := model.NewStore()

	exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		return SelfAttention(scope, x, 2, 4).
			WithRoPE(10000.0).
			WithCausalMask(true).
			Done()
	})

	// [batch=1, seq=4, embed=8]
	input := [][][]float32{{{1, 2, 3, 4, 5, 6, 7, 8},
		{9, 10, 11, 12, 13, 14, 15, 16},
		{17, 18, 19, 20, 21, 22, 23, 24},
		{25, 26, 27, 28, 29, 30, 31, 32}}}

	output := exec.MustCall(input)[0]
	assert.Equal(t, []int{1, 4, 8}, output.Shape().Dimensions)

	// Run a second time with different sequence length to verify re-compilation
	// with the same weights (reuse scope so Dense parameters are shared).
	exec2 := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
		return SelfAttention(scope, x, 2, 4).
			WithRoPE(10000.0).
			WithCausalMask(true).
			Done()
	})

	input2 := [][][]float32{{{1, 2, 3, 4, 5, 6, 7, 8},
		{9, 10, 11, 12, 13, 14, 15, 16}}}

	output2 := exec2.MustCall(input2)[0]
	assert.Equal(t, []int{1, 2, 8}, output2.Shape().Dimensions)
}

func TestMultiHeadAttentionWithQKVProjection(t *testing.T) {
	testutil.TestOfficialBackends(t, func(t *testing.T, backend compute.Backend) {

		t.Run("basic", func(t *testing.T) {
			store := model.NewStore()
			exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
				return SelfAttention(scope, x, 2, 4).
					UseQKVProjection().
					Done()
			})

			// [batch=2, seq=3, embed=8]
			input := [][][]float32{
				{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}, {17, 18, 19, 20, 21, 22, 23, 24}},
				{{25, 26, 27, 28, 29, 30, 31, 32}, {33, 34, 35, 36, 37, 38, 39, 40}, {41, 42, 43, 44, 45, 46, 47, 48}},
			}
			output := exec.MustCall(input)[0]
			assert.Equal(t, []int{2, 3, 8}, output.Shape().Dimensions)
		})

		t.Run("with_causal_mask", func(t *testing.T) {
			store := model.NewStore()
			exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
				return SelfAttention(scope, x, 2, 4).
					UseQKVProjection().
					WithCausalMask(true).
					Done()
			})

			input := [][][]float32{
				{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}, {17, 18, 19, 20, 21, 22, 23, 24}},
			}
			output := exec.MustCall(input)[0]
			assert.Equal(t, []int{1, 3, 8}, output.Shape().Dimensions)
		})

		t.Run("with_coefficients", func(t *testing.T) {
			store := model.NewStore()
			exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) []*Node {
				output, coef := SelfAttention(scope, x, 2, 4).
					UseQKVProjection().
					DoneWithCoefficients()
				return []*Node{output, coef}
			})

			input := [][][]float32{
				{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}, {17, 18, 19, 20, 21, 22, 23, 24}},
			}
			outputs := exec.MustCall(input)
			assert.Equal(t, []int{1, 3, 8}, outputs[0].Shape().Dimensions)
			// coefficients: [batch, query_seq, num_heads, key_seq]
			assert.Equal(t, []int{1, 3, 2, 3}, outputs[1].Shape().Dimensions)
		})

		t.Run("no_output_bias", func(t *testing.T) {
			// UseProjectionBias(false) disables only the output projection bias;
			// QKV biases are always present (matching the separate Dense path).
			store := model.NewStore()
			exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
				return SelfAttention(scope, x, 2, 4).
					UseQKVProjection().
					UseProjectionBias(false).
					Done()
			})

			input := [][][]float32{
				{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}, {17, 18, 19, 20, 21, 22, 23, 24}},
			}
			output := exec.MustCall(input)[0]
			assert.Equal(t, []int{1, 3, 8}, output.Shape().Dimensions)
		})

		t.Run("with_mask", func(t *testing.T) {
			store := model.NewStore()
			store.SetRNGStateFromSeed(42)

			// 1. exec for sequence N and masked as 3.
			const N = 100
			execN := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node, mask *Node) *Node {
				scope = scope.WithInitializer(initializer.RandomNormalFn(scope, 1.0))
				output := SelfAttention(scope, x, 2, 4).
					UseQKVProjection().
					WithMask(mask).
					Done()
				return Slice(output, AxisRange(), AxisRange(0, 3), AxisRange()) // Slice only first 3 non-masked elements.
			})
			inputN := tensors.FromShape(shapes.Make(dtypes.Float32, 1, 100, 8))
			tensors.MutableFlatData(inputN, func(flat []float32) {
				for i := range flat {
					flat[i] = float32(i+1) / float32(len(flat))
				}
			})

			// mask3 takes only the first 3 elements.
			mask3 := tensors.FromShape(shapes.Make(dtypes.Bool, 1, N))
			tensors.MutableFlatData(mask3, func(flat []bool) {
				for i := range flat {
					flat[i] = i < 3
				}
			})

			output3ofN := execN.MustCall1(inputN, mask3)
			fmt.Printf("output -- slice after the attention:\n%s\n", output3ofN)

			// 2. exec for sequence 3 (slice of the original), without mask
			exec3 := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
				scope = scope.WithInitializer(initializer.RandomNormalFn(scope, 1.0))
				// Slice the first 3 elements.
				x = Slice(x, AxisRange(), AxisRange(0, 3), AxisRange())
				return SelfAttention(scope, x, 2, 4).
					UseQKVProjection().
					Done()
			})
			output3 := exec3.MustCall1(inputN)
			fmt.Printf("\noutput -- slice before the attention:\n%s\n", output3)

			assert.InDeltaSlice(t,
				tensors.MustCopyFlatData[float32](output3),
				tensors.MustCopyFlatData[float32](output3ofN),
				1e-2)
		})
	})
}
func TestMultiHeadAttentionGQA(t *testing.T) {
	backend := testutil.BuildTestBackend()

	t.Run("basic", func(t *testing.T) {
		// GQA with 4 query heads, 2 KV heads (2:1 ratio).
		store := model.NewStore()
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			return MultiHeadAttention(scope, x, x, x, 4, 8).
				WithNumKVHeads(2).
				Done()
		})

		// [batch=2, seq=3, embed=16]
		input := make([][][]float32, 2)
		for b := range input {
			input[b] = make([][]float32, 3)
			for s := range input[b] {
				input[b][s] = make([]float32, 16)
				for d := range input[b][s] {
					input[b][s][d] = float32(b*100+s*10+d) * 0.1
				}
			}
		}
		output := exec.MustCall(input)[0]
		// Output shape: [batch=2, seq=3, embed=16] (outputDim defaults to inputValueDim).
		assert.Equal(t, []int{2, 3, 16}, output.Shape().Dimensions)
	})

	t.Run("MQA", func(t *testing.T) {
		// Multi-Query Attention: 4 query heads, 1 KV head.
		store := model.NewStore()
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			return SelfAttention(scope, x, 4, 8).
				WithNumKVHeads(1).
				Done()
		})

		input := [][][]float32{
			{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16}},
		}
		output := exec.MustCall(input)[0]
		assert.Equal(t, []int{1, 2, 8}, output.Shape().Dimensions)
	})

	t.Run("fused_vs_decomposed", func(t *testing.T) {
		// Verify fused (Done) and decomposed (DoneWithCoefficients) paths agree for GQA.
		store := model.NewStore()
		batchSize := 2
		seqLen := 3
		inputDim := 8
		numHeads := 4
		numKVHeads := 2
		headDim := 4

		decomposedExec := model.MustNewExec(backend, store, func(scope *model.Scope, g *Graph) []*Node {
			scope = scope.WithInitializer(initializer.One)
			input := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, seqLen, inputDim))
			output, _ := MultiHeadAttention(scope, input, input, input, numHeads, headDim).
				WithNumKVHeads(numKVHeads).
				DoneWithCoefficients()
			return []*Node{output}
		})
		decomposedOutputs := decomposedExec.MustCall()

		fusedExec := model.MustNewExec(backend, store, func(scope *model.Scope, g *Graph) []*Node {
			scope = scope.WithInitializer(initializer.One)
			input := IotaFull(g, shapes.Make(dtypes.Float32, batchSize, seqLen, inputDim))
			output := MultiHeadAttention(scope, input, input, input, numHeads, headDim).
				WithNumKVHeads(numKVHeads).
				Done()
			return []*Node{output}
		})
		fusedOutputs := fusedExec.MustCall()

		require.Truef(t, xslices.SlicesInDelta(decomposedOutputs[0].Value(), fusedOutputs[0].Value(), 1e-4),
			"Fused and decomposed paths produce different results for GQA.\nDecomposed: %v\nFused: %v",
			decomposedOutputs[0].Value(), fusedOutputs[0].Value())
	})

	t.Run("with_causal_mask", func(t *testing.T) {
		store := model.NewStore()
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			return SelfAttention(scope, x, 4, 4).
				WithNumKVHeads(2).
				WithCausalMask(true).
				Done()
		})

		input := [][][]float32{
			{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16},
				{17, 18, 19, 20, 21, 22, 23, 24}},
		}
		output := exec.MustCall(input)[0]
		assert.Equal(t, []int{1, 3, 8}, output.Shape().Dimensions)
	})

	t.Run("with_rope", func(t *testing.T) {
		store := model.NewStore()
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) *Node {
			return SelfAttention(scope, x, 4, 4).
				WithNumKVHeads(2).
				WithRoPE(10000.0).
				WithCausalMask(true).
				Done()
		})

		input := [][][]float32{
			{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16},
				{17, 18, 19, 20, 21, 22, 23, 24}, {25, 26, 27, 28, 29, 30, 31, 32}},
		}
		output := exec.MustCall(input)[0]
		assert.Equal(t, []int{1, 4, 8}, output.Shape().Dimensions)
	})

	t.Run("coefficients_shape", func(t *testing.T) {
		// Verify coefficient shape uses numHeads (not numKVHeads).
		store := model.NewStore()
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, x *Node) []*Node {
			output, coef := SelfAttention(scope, x, 4, 4).
				WithNumKVHeads(2).
				DoneWithCoefficients()
			return []*Node{output, coef}
		})

		input := [][][]float32{
			{{1, 2, 3, 4, 5, 6, 7, 8}, {9, 10, 11, 12, 13, 14, 15, 16},
				{17, 18, 19, 20, 21, 22, 23, 24}},
		}
		outputs := exec.MustCall(input)
		assert.Equal(t, []int{1, 3, 8}, outputs[0].Shape().Dimensions)
		// Coefficients: [batch, seq, numHeads, seq] — numHeads=4, not numKVHeads=2.
		assert.Equal(t, []int{1, 3, 4, 3}, outputs[1].Shape().Dimensions)
	})
}

// buildSyntheticAttentionModelFn builds a model graph building function that does a regression on the elements
// of a sequence, with a learnable positional embedding.
//
// If debug==true allows to control printing out of intermediary results.
func buildSyntheticAttentionModelFn(debug bool) (modelGraphFn func(scope *model.Scope, spec any, inputs []*Node) []*Node) {
	return func(scope *model.Scope, spec any, inputs []*Node) (allLogits []*Node) {
		_ = spec
		input := inputs[0] // shape=[batch, sequence]
		g := input.Graph()
		g.SetTraced(true)

		dtype := input.DType()
		input = InsertAxes(input, -1) // shape=[batch, sequence, 1]
		batchSize := input.Shape().Dimensions[0]
		sequenceSize := input.Shape().Dimensions[1]
		const positionalEmbeddingSize = 16
		noisyScope := scope.WithInitializer(initializer.RandomNormalFn(scope, 1.0))
		positionalVar := noisyScope.In("positional").VariableWithShape("embeddings", shapes.Make(dtype, sequenceSize, positionalEmbeddingSize))
		positionalEmbedding := positionalVar.NodeValue(g)
		positionalEmbedding = InsertAxes(positionalEmbedding, 0) // Prefixing with batch dimension.
		dims := positionalEmbedding.Shape().Clone().Dimensions
		dims[0] = batchSize
		positionalEmbedding = BroadcastToDims(positionalEmbedding, dims...)
		logits := Concatenate([]*Node{input, positionalEmbedding}, -1) // Shape=[batch, sequence, 1+positionalEmbeddingSize]
		if debug {
			logits.SetLogged("Input+Positional")
		}
		var coef *Node
		logits, coef = MultiHeadAttention(scope.In("attention"), logits, logits, logits, 4, 8).DoneWithCoefficients()
		if debug {
			coef.SetLogged("Attention Coefficients")
		}
		residual := logits
		logits = Sigmoid(logits)
		logits = layers.Dense(scope.In("dense_seq_1"), logits, true, logits.Shape().Dimensions[2])
		logits = Add(residual, logits)
		logits = Sigmoid(logits)
		logits = layers.Dense(scope.In("dense_seq_0"), logits, true, 1)
		logits = Squeeze(logits, -1)
		allLogits = []*Node{logits}
		return
	}
}

type attentionTestDataset struct {
	name                    string
	batchSize, sequenceSize int
	infinite                bool
	count, maxCount         int
}

func (ds *attentionTestDataset) Name() string {
	return ds.name
}

func (ds *attentionTestDataset) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		count := 0
		for {
			if !ds.infinite && count+ds.batchSize > ds.maxCount {
				return
			}
			count += ds.batchSize

			batchVal := make([][]float32, ds.batchSize)
			batchLabel := make([][]float32, ds.batchSize)
			for ii := 0; ii < ds.batchSize; ii++ {
				batchVal[ii] = make([]float32, ds.sequenceSize)
				batchLabel[ii] = make([]float32, ds.sequenceSize)
				for jj := 0; jj < ds.sequenceSize; jj++ {
					batchVal[ii][jj] = float32(rand.Intn(2))
					if batchVal[ii][jj] > 0 && jj > 0 && batchVal[ii][jj-1] > 0 {
						batchLabel[ii][jj] = 1.0
					}
				}
			}
			inputs := []*tensors.Tensor{tensors.FromValue(batchVal)}
			labels := []*tensors.Tensor{tensors.FromValue(batchLabel)}
			batch := train.Batch{
				Spec:   ds,
				Inputs: inputs,
				Labels: labels,
			}
			if !yield(batch, nil) {
				return
			}
		}
	}
}

// TestMultiHeadAttentionTraining creates a test dataset which to be solved one needs to be able to attend to
// the left/right. The label is the logical-and of the value and the value to the left in a sequence. See
// attentionTestDataset above.
//
// It first learns the model, and then it prints out some example results.
func TestMultiHeadAttentionTraining(t *testing.T) {
	trainDS := &attentionTestDataset{
		name:         "trainDS",
		batchSize:    50,
		sequenceSize: 16,
		infinite:     true,
	}

	// Backend handles creation of ML computation graphs, accelerator resources, etc.
	backend := testutil.BuildTestBackend()

	// Scope and optimizer used for training.
	store := model.NewStore()
	theOptimizer := optimizer.Adam().LearningRate(0.001).Done()

	trainer := train.NewTrainer(backend, store, buildSyntheticAttentionModelFn(false),
		loss.MeanSquaredError,
		theOptimizer,
		nil, // trainMetrics
		nil) // evalMetrics
	loop := train.NewLoop(trainer)
	commandline.AttachProgressBar(loop) // Attaches a progress bar to the loop.
	metrics, err := loop.RunSteps(trainDS, 1500)
	loss := metrics[0].Value().(float32)
	assert.Truef(t, loss < 0.12, "Expected a loss < 0.12, got %g instead", loss)
	require.NoErrorf(t, err, "Failed training: %+v", err)
	fmt.Printf("Metrics:\n")
	for ii, m := range metrics {
		fmt.Printf("\t%s: %s\n", trainer.TrainMetrics()[ii].Name(), m)
	}

	{
		// Print a sample:
		evalDS := &attentionTestDataset{}
		*evalDS = *trainDS
		evalDS.batchSize = 1
		var results []*tensors.Tensor

		modelFn := buildSyntheticAttentionModelFn(false)
		inferenceFn := func(scope *model.Scope, inputs []*Node) *Node {
			return modelFn(scope, nil, inputs)[0]
		}
		inferenceExec := model.MustNewExec(backend, store, inferenceFn)
		next, stop := iter.Pull2(evalDS.Iter())
		defer stop()
		for range 3 {
			batch, err, ok := next()
			require.True(t, ok)
			require.NoErrorf(t, err, "Failed datasets: %+v", err)
			fmt.Printf("\nInput:\t%v\n", batch.Inputs[0].Value())
			fmt.Printf("Label:\t%v\n", batch.Labels[0].Value())
			results = inferenceExec.MustCall(batch.Inputs[0])
			tmp := results[0].Value().([][]float32)[0]
			var rounded []int
			for _, v := range tmp {
				rounded = append(rounded, int(math.Round(float64(v))))
			}
			fmt.Printf("Pred:\t%v\n", rounded)
			_ = batch.Finalize()
			for _, r := range results {
				r.MustFinalizeAll()
			}
		}
	}
}
