// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package attention

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/gomlx/backends/default"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/support/testutil"
	"github.com/stretchr/testify/assert"
	"k8s.io/klog/v2"
)

func init() {
	klog.InitFlags(nil)
}

func TestAxesLayoutEquivalence(t *testing.T) {
	// Verify that BSHD and BHSD layouts produce the same results when
	// given transposed versions of the same inputs.
	backend := testutil.BuildTestBackend()
	scope := model.NewStore()

	exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) []*Node {
		// Compute with BHSD layout (default): q/k/v are [batch, heads, seq, dim]
		bhsdOut, _ := Core(q, k, v, LayoutBHSD, CoreOptions{})

		// Transpose to BSHD: [batch, seq, heads, dim]
		qBSHD := TransposeAllDims(q, 0, 2, 1, 3)
		kBSHD := TransposeAllDims(k, 0, 2, 1, 3)
		vBSHD := TransposeAllDims(v, 0, 2, 1, 3)

		// Compute with BSHD layout
		bshdOut, _ := Core(qBSHD, kBSHD, vBSHD, LayoutBSHD, CoreOptions{})

		// Transpose BSHD output back to BHSD for comparison
		bshdOutTransposed := TransposeAllDims(bshdOut, 0, 2, 1, 3)

		return []*Node{bhsdOut, bshdOutTransposed}
	})

	// [batch=2, heads=2, seq=3, dim=4]
	query := [][][][]float32{
		{{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}},
			{{0.1, 0.2, 0.3, 0.4}, {0.5, 0.6, 0.7, 0.8}, {0.9, 1.0, 1.1, 1.2}}},
		{{{-1, -2, -3, -4}, {-5, -6, -7, -8}, {-9, -10, -11, -12}},
			{{2, 3, 4, 5}, {6, 7, 8, 9}, {10, 11, 12, 13}}},
	}
	key := query   // self-attention
	value := query // self-attention

	outputs := exec.MustCall(query, key, value)
	bhsdData := outputs[0].Value().([][][][]float32)
	bshdData := outputs[1].Value().([][][][]float32)

	for i := range bhsdData {
		for j := range bhsdData[i] {
			for k := range bhsdData[i][j] {
				for l := range bhsdData[i][j][k] {
					assert.InDelta(t, bhsdData[i][j][k][l], bshdData[i][j][k][l], 1e-5,
						"mismatch at [%d][%d][%d][%d]", i, j, k, l)
				}
			}
		}
	}
}

func TestCore(t *testing.T) {
	t.Run("BasicIdentity", func(t *testing.T) {
		// With identity-like inputs, verify output shape and basic computation.
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) *Node {
			output, _ := Core(q, k, v, LayoutBHSD, CoreOptions{})
			return output
		})

		// [batch=1, heads=1, seq=2, dim=2]
		query := [][][][]float32{{{{1, 0}, {0, 1}}}}
		key := [][][][]float32{{{{1, 0}, {0, 1}}}}
		value := [][][][]float32{{{{1, 2}, {3, 4}}}}

		output := exec.MustCall(query, key, value)[0]
		assert.Equal(t, []int{1, 1, 2, 2}, output.Shape().Dimensions)
	})

	t.Run("CustomScale", func(t *testing.T) {
		// Verify that providing the default scale explicitly produces the same result.
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) []*Node {
			// Both use the same scale — should produce identical results
			defaultOut, _ := Core(q, k, v, LayoutBHSD, CoreOptions{})
			explicitOut, _ := Core(q, k, v, LayoutBHSD, CoreOptions{
				Scale: 1.0 / math.Sqrt(2.0),
			})
			return []*Node{defaultOut, explicitOut}
		})

		query := [][][][]float32{{{{1, 2}, {3, 4}}}}
		key := [][][][]float32{{{{5, 6}, {7, 8}}}}
		value := [][][][]float32{{{{9, 10}, {11, 12}}}}

		outputs := exec.MustCall(query, key, value)
		defaultData := outputs[0].Value().([][][][]float32)
		explicitData := outputs[1].Value().([][][][]float32)

		for i := range defaultData {
			for j := range defaultData[i] {
				for k := range defaultData[i][j] {
					for l := range defaultData[i][j][k] {
						assert.InDelta(t, defaultData[i][j][k][l], explicitData[i][j][k][l], 1e-5)
					}
				}
			}
		}
	})

	t.Run("WithAdditiveMask", func(t *testing.T) {
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v, mask *Node) *Node {
			output, _ := Core(q, k, v, LayoutBHSD, CoreOptions{
				AttentionMask: mask,
			})
			return output
		})

		// [batch=1, heads=1, seq=2, dim=2]
		query := [][][][]float32{{{{1, 0}, {0, 1}}}}
		key := [][][][]float32{{{{1, 0}, {0, 1}}}}
		value := [][][][]float32{{{{10, 20}, {30, 40}}}}

		// Causal mask: prevent position 0 from attending to position 1
		// [batch=1, heads=1, q_seq=2, kv_seq=2]
		mask := [][][][]float32{{{{0, -1e9}, {0, 0}}}}

		output := exec.MustCall(query, key, value, mask)[0]
		outData := output.Value().([][][][]float32)

		// Position 0 can only attend to position 0, so output[0] ~ value[0] = [10, 20]
		assert.InDelta(t, float32(10), outData[0][0][0][0], 0.1)
		assert.InDelta(t, float32(20), outData[0][0][0][1], 0.1)
	})

	t.Run("WithBooleanMask", func(t *testing.T) {
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v, boolMask *Node) *Node {
			// Pass boolean mask directly — Core auto-detects and uses MaskedSoftmax.
			output, _ := Core(q, k, v, LayoutBHSD, CoreOptions{
				AttentionMask: boolMask,
			})
			return output
		})

		// [batch=1, heads=1, seq=2, dim=2]
		query := [][][][]float32{{{{1, 0}, {0, 1}}}}
		key := [][][][]float32{{{{1, 0}, {0, 1}}}}
		value := [][][][]float32{{{{10, 20}, {30, 40}}}}

		// Boolean causal mask: position 0 attends only to position 0
		mask := [][][][]bool{{{{true, false}, {true, true}}}}

		output := exec.MustCall(query, key, value, mask)[0]
		outData := output.Value().([][][][]float32)

		// Position 0 can only attend to position 0, so output[0] ~ value[0] = [10, 20]
		assert.InDelta(t, float32(10), outData[0][0][0][0], 0.1)
		assert.InDelta(t, float32(20), outData[0][0][0][1], 0.1)
	})

	t.Run("ReturnWeights", func(t *testing.T) {
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) []*Node {
			output, coefficients := Core(q, k, v, LayoutBHSD, CoreOptions{
				WantCoefficients: true,
			})
			return []*Node{output, coefficients}
		})

		query := [][][][]float32{{{{1, 0}, {0, 1}}}}
		key := [][][][]float32{{{{1, 0}, {0, 1}}}}
		value := [][][][]float32{{{{1, 2}, {3, 4}}}}

		outputs := exec.MustCall(query, key, value)
		output := outputs[0]
		coefficients := outputs[1]

		assert.Equal(t, []int{1, 1, 2, 2}, output.Shape().Dimensions)
		assert.Equal(t, []int{1, 1, 2, 2}, coefficients.Shape().Dimensions)

		// Verify coefficients sum to 1 along last axis (softmax property)
		wData := coefficients.Value().([][][][]float32)
		for i := range wData {
			for j := range wData[i] {
				for k := range wData[i][j] {
					sum := float32(0)
					for _, w := range wData[i][j][k] {
						sum += w
					}
					assert.InDelta(t, float32(1.0), sum, 1e-5)
				}
			}
		}
	})

	t.Run("GQA", func(t *testing.T) {
		// Grouped Query Attention: 2 query heads share 1 KV head.
		// Verifies both fused and decomposed paths produce the same results.
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) []*Node {
			// Fused path (Done-style): numHeads=2, numKVHeads=1 inferred from shapes.
			fusedOutput, _ := Core(q, k, v, LayoutBHSD, CoreOptions{})
			// Decomposed path (DoneWithCoefficients-style):
			decomposedOutput, coefficients := Core(q, k, v, LayoutBHSD, CoreOptions{
				WantCoefficients: true,
			})
			return []*Node{fusedOutput, decomposedOutput, coefficients}
		})

		// Q: [batch=1, heads=2, seq=2, dim=2]
		query := [][][][]float32{{{{1, 0}, {0, 1}}, {{0.5, 0.5}, {1, -1}}}}
		// K: [batch=1, heads=1, seq=2, dim=2] — 1 KV head shared by 2 Q heads
		key := [][][][]float32{{{{1, 0}, {0, 1}}}}
		// V: [batch=1, heads=1, seq=2, dim=2]
		value := [][][][]float32{{{{10, 20}, {30, 40}}}}

		outputs := exec.MustCall(query, key, value)
		fusedData := outputs[0].Value().([][][][]float32)
		decomposedData := outputs[1].Value().([][][][]float32)
		coeffData := outputs[2].Value().([][][][]float32)

		// Output shapes must match query: [1, 2, 2, 2].
		assert.Equal(t, []int{1, 2, 2, 2}, outputs[0].Shape().Dimensions)
		assert.Equal(t, []int{1, 2, 2, 2}, outputs[1].Shape().Dimensions)
		// Coefficient shape: [1, 2, 2, 2] — 2 Q heads, each with 2x2 attention weights.
		assert.Equal(t, []int{1, 2, 2, 2}, outputs[2].Shape().Dimensions)

		// Fused and decomposed paths must agree.
		for i := range fusedData {
			for j := range fusedData[i] {
				for k := range fusedData[i][j] {
					for l := range fusedData[i][j][k] {
						assert.InDelta(t, fusedData[i][j][k][l], decomposedData[i][j][k][l], 1e-5,
							"fused vs decomposed mismatch at [%d][%d][%d][%d]", i, j, k, l)
					}
				}
			}
		}

		// Verify coefficients sum to 1 along last axis.
		for i := range coeffData {
			for j := range coeffData[i] {
				for k := range coeffData[i][j] {
					sum := float32(0)
					for _, w := range coeffData[i][j][k] {
						sum += w
					}
					assert.InDelta(t, float32(1.0), sum, 1e-5)
				}
			}
		}
	})

	t.Run("GQA_BSHD", func(t *testing.T) {
		// Same GQA test but with BSHD layout.
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) []*Node {
			fusedOutput, _ := Core(q, k, v, LayoutBSHD, CoreOptions{})
			decomposedOutput, _ := Core(q, k, v, LayoutBSHD, CoreOptions{
				WantCoefficients: true,
			})
			return []*Node{fusedOutput, decomposedOutput}
		})

		// Q: [batch=1, seq=2, heads=2, dim=2]
		query := [][][][]float32{{{{1, 0}, {0.5, 0.5}}, {{0, 1}, {1, -1}}}}
		// K: [batch=1, seq=2, heads=1, dim=2]
		key := [][][][]float32{{{{1, 0}}, {{0, 1}}}}
		// V: [batch=1, seq=2, heads=1, dim=2]
		value := [][][][]float32{{{{10, 20}}, {{30, 40}}}}

		outputs := exec.MustCall(query, key, value)
		fusedData := outputs[0].Value().([][][][]float32)
		decomposedData := outputs[1].Value().([][][][]float32)

		assert.Equal(t, []int{1, 2, 2, 2}, outputs[0].Shape().Dimensions)
		for i := range fusedData {
			for j := range fusedData[i] {
				for k := range fusedData[i][j] {
					for l := range fusedData[i][j][k] {
						assert.InDelta(t, fusedData[i][j][k][l], decomposedData[i][j][k][l], 1e-5,
							"fused vs decomposed mismatch at [%d][%d][%d][%d]", i, j, k, l)
					}
				}
			}
		}
	})

	t.Run("GQA_WithBooleanMask", func(t *testing.T) {
		// GQA with boolean causal mask.
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v, boolMask *Node) []*Node {
			fusedOutput, _ := Core(q, k, v, LayoutBHSD, CoreOptions{
				AttentionMask: boolMask,
			})
			decomposedOutput, _ := Core(q, k, v, LayoutBHSD, CoreOptions{
				AttentionMask:    boolMask,
				WantCoefficients: true,
			})
			return []*Node{fusedOutput, decomposedOutput}
		})

		// Q: [batch=1, heads=2, seq=2, dim=2]
		query := [][][][]float32{{{{1, 0}, {0, 1}}, {{1, 0}, {0, 1}}}}
		// K: [batch=1, heads=1, seq=2, dim=2]
		key := [][][][]float32{{{{1, 0}, {0, 1}}}}
		// V: [batch=1, heads=1, seq=2, dim=2]
		value := [][][][]float32{{{{10, 20}, {30, 40}}}}

		// Boolean causal mask: [1, 1, 2, 2] — broadcasts to both Q heads.
		mask := [][][][]bool{{{{true, false}, {true, true}}}}

		outputs := exec.MustCall(query, key, value, mask)
		fusedData := outputs[0].Value().([][][][]float32)
		decomposedData := outputs[1].Value().([][][][]float32)

		for i := range fusedData {
			for j := range fusedData[i] {
				for k := range fusedData[i][j] {
					for l := range fusedData[i][j][k] {
						assert.InDelta(t, fusedData[i][j][k][l], decomposedData[i][j][k][l], 1e-5,
							"fused vs decomposed mismatch at [%d][%d][%d][%d]", i, j, k, l)
					}
				}
			}
		}

		// Position 0, head 0: can only attend to position 0 → output ≈ value[0] = [10, 20].
		assert.InDelta(t, float32(10), fusedData[0][0][0][0], 0.1)
		assert.InDelta(t, float32(20), fusedData[0][0][0][1], 0.1)
	})

	t.Run("Causal", func(t *testing.T) {
		backend := testutil.BuildTestBackend()
		scope := model.NewStore()

		exec := model.MustNewExec(backend, scope, func(scope *model.Scope, q, k, v *Node) *Node {
			// Use causal=true, no explicit mask.
			output, _ := Core(q, k, v, LayoutBHSD, CoreOptions{
				UseCausalMask: true,
			})
			return output
		})

		// [batch=1, heads=1, seq=2, dim=1]
		query := [][][][]float32{{{{1}, {1}}}}
		key := [][][][]float32{{{{1}, {1}}}}
		value := [][][][]float32{{{{10}, {20}}}}

		output := exec.MustCall(query, key, value)[0]
		outData := output.Value().([][][][]float32)

		// Position 0 can only see position 0 → output = 10
		assert.InDelta(t, float32(10), outData[0][0][0][0], 0.1)
		// Position 1 sees both → softmax([1,1]) = [0.5, 0.5] → 15
		assert.InDelta(t, float32(15), outData[0][0][1][0], 0.1)
	})
}

func TestMultiHeadAttentionScoreSoftCapAndPreProjected(t *testing.T) {
	testutil.TestOfficialBackends(t, func(t *testing.T, backend compute.Backend) {
		store := model.NewStore()
		exec := model.MustNewExec(backend, store, func(scope *model.Scope, q, k, v *Node) []*Node {
			// Output with a small soft cap
			_, coefCapped := MultiHeadAttention(scope.In("capped"), q, k, v, 1, 4).
				WithPreProjected(true).
				WithScoreSoftCap(1.0).
				DoneWithCoefficients()

			// Output without soft cap
			_, coefUncapped := MultiHeadAttention(scope.In("uncapped"), q, k, v, 1, 4).
				WithPreProjected(true).
				DoneWithCoefficients()

			return []*Node{coefCapped, coefUncapped}
		})

		// Shape: [batchSize=1, seqLen=2, numHeads*headDim=1*4=4]
		qData := [][][]float32{{{100, 0, 0, 0}, {0, 100, 0, 0}}}
		kData := qData
		vData := qData

		outputs := exec.MustCall(qData, kData, vData)
		coefCapped := outputs[0].Value().([][][][]float32)
		coefUncapped := outputs[1].Value().([][][][]float32)

		// Uncapped should be extremely sharp (close to 1.0 and 0.0)
		assert.InDelta(t, float32(1.0), coefUncapped[0][0][0][0], 1e-4)
		assert.InDelta(t, float32(0.0), coefUncapped[0][0][0][1], 1e-4)

		// Capped should be soft: e / (e + 1) ≈ 0.731058
		expectedCappedVal := float32(math.E / (math.E + 1.0))
		assert.InDelta(t, expectedCappedVal, coefCapped[0][0][0][0], 1e-4)
		assert.InDelta(t, 1.0-expectedCappedVal, coefCapped[0][0][0][1], 1e-4)
	}, "go")
}

func TestCoreLowerRankMasks(t *testing.T) {
	testutil.TestOfficialBackends(t, func(t *testing.T, backend compute.Backend) {
		t.Run("2D_Mask", func(t *testing.T) {
			for _, layout := range []AxesLayout{LayoutBHSD, LayoutBSHD} {
				store := model.NewStore()
				exec := model.MustNewExec(backend, store, func(scope *model.Scope, q, k, v, mask *Node) *Node {
					out, _ := Core(q, k, v, layout, CoreOptions{
						AttentionMask: mask,
						DisableFusion: true,
					})
					return out
				})

				// Values: pos0=[10], pos1=[20], pos2=[100].
				// Mask: [true, true, false] -> pos2 masked out, softmax([0, 0]) = [0.5, 0.5] -> out = 15.
				var qData, kData, vData any
				if layout == LayoutBHSD {
					// [batch=1, heads=2, seq=3, dim=1]
					qData = [][][][]float32{{{{0}, {0}, {0}}, {{0}, {0}, {0}}}}
					kData = [][][][]float32{{{{0}, {0}, {0}}, {{0}, {0}, {0}}}}
					vData = [][][][]float32{{{{10}, {20}, {100}}, {{10}, {20}, {100}}}}
				} else {
					// LayoutBSHD: [batch=1, seq=3, heads=2, dim=1]
					qData = [][][][]float32{{{{0}, {0}}, {{0}, {0}}, {{0}, {0}}}}
					kData = [][][][]float32{{{{0}, {0}}, {{0}, {0}}, {{0}, {0}}}}
					vData = [][][][]float32{{{{10}, {10}}, {{20}, {20}}, {{100}, {100}}}}
				}
				maskData := [][]bool{{true, true, false}} // 2D: [batch=1, kv_seq=3]

				out := exec.MustCall(qData, kData, vData, maskData)[0]
				outTensor := out.Value().([][][][]float32)
				if layout == LayoutBHSD {
					assert.InDelta(t, float32(15), outTensor[0][0][0][0], 1e-3)
					assert.InDelta(t, float32(15), outTensor[0][1][0][0], 1e-3)
				} else {
					assert.InDelta(t, float32(15), outTensor[0][0][0][0], 1e-3)
					assert.InDelta(t, float32(15), outTensor[0][0][1][0], 1e-3)
				}
			}
		})

		t.Run("3D_Mask", func(t *testing.T) {
			for _, layout := range []AxesLayout{LayoutBHSD, LayoutBSHD} {
				store := model.NewStore()
				exec := model.MustNewExec(backend, store, func(scope *model.Scope, q, k, v, mask *Node) *Node {
					out, _ := Core(q, k, v, layout, CoreOptions{
						AttentionMask: mask,
						DisableFusion: true,
					})
					return out
				})

				// 3D Mask: [batch=1, q_seq=2, kv_seq=2]
				// q0 sees [true, false] -> attends only to v0 (10)
				// q1 sees [true, true]  -> attends to v0, v1 (10, 20) -> average 15
				var qData, kData, vData any
				if layout == LayoutBHSD {
					// [batch=1, heads=1, seq=2, dim=1]
					qData = [][][][]float32{{{{0}, {0}}}}
					kData = [][][][]float32{{{{0}, {0}}}}
					vData = [][][][]float32{{{{10}, {20}}}}
				} else {
					// LayoutBSHD: [batch=1, seq=2, heads=1, dim=1]
					qData = [][][][]float32{{{{0}}, {{0}}}}
					kData = [][][][]float32{{{{0}}, {{0}}}}
					vData = [][][][]float32{{{{10}}, {{20}}}}
				}
				maskData := [][][]bool{{{true, false}, {true, true}}}

				out := exec.MustCall(qData, kData, vData, maskData)[0]
				outTensor := out.Value().([][][][]float32)
				if layout == LayoutBHSD {
					assert.InDelta(t, float32(10), outTensor[0][0][0][0], 1e-3)
					assert.InDelta(t, float32(15), outTensor[0][0][1][0], 1e-3)
				} else {
					assert.InDelta(t, float32(10), outTensor[0][0][0][0], 1e-3)
					assert.InDelta(t, float32(15), outTensor[0][1][0][0], 1e-3)
				}
			}
		})
	})
}
