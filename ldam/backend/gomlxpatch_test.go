package backend

// Tests of the functions third_party/gomlx patches (third_party/gomlx/LDAMLAB-PATCH.md), each
// on the pure-Go backend of compute v0.1.35: the patch changes only how GoMLX calls compute, so
// each test checks the result against arithmetic done here.

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func goBackend(t *testing.T) compute.Backend {
	t.Helper()
	b, err := New("go")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Finalize)
	return b
}

// TestPatchedFusedQuantizedDense: core/graph/fused_ops.go passes the weight quantization and the
// activation in compute v0.1.35's FusedQuantizedDenseConfig.
func TestPatchedFusedQuantizedDense(t *testing.T) {
	b := goBackend(t)
	x := [][]float32{{1, -2, 0.5}, {0.25, 1, -1}}
	w := [][]int8{{1, -3, 2, 0}, {4, 1, -1, 2}, {-2, 0, 3, 1}}
	scale := [][]float32{{0.5}, {0.25}, {2}} // [K, 1 block of N]
	bias := []float32{0.1, -0.2, 0.3, -4}
	out, err := graph.ExecOnce(b, func(x, w, s, bias *graph.Node) *graph.Node {
		q := &graph.Quantization{Scheme: compute.QuantLinear, Scale: s, BlockAxis: 1, BlockSize: 4}
		return graph.BackendFusedQuantizedDense(x, w, bias, q, compute.ActivationRelu)
	}, x, w, scale, bias)
	if err != nil {
		t.Fatal(err)
	}
	got := out.Value().([][]float32)
	for i := range x {
		for n := range bias {
			want := float64(bias[n])
			for k := range w {
				want += float64(x[i][k]) * float64(w[k][n]) * float64(scale[k][0])
			}
			want = math.Max(want, 0)
			if math.Abs(float64(got[i][n])-want) > 1e-5 {
				t.Errorf("out[%d][%d] = %v, want relu(x·dequant(w) + b) = %v", i, n, got[i][n], want)
			}
		}
	}
}

// TestPatchedQuantizedGather: BackendQuantizedEmbeddingLookup calls compute v0.1.35's
// QuantizedGather (formerly QuantizedEmbeddingLookup).
func TestPatchedQuantizedGather(t *testing.T) {
	b := goBackend(t)
	table := [][]int8{{1, 2, 3}, {-4, 5, -6}, {7, -8, 9}, {0, 1, -1}}
	scale := [][]float32{{1}, {0.5}, {2}, {0.25}} // one scale per row
	idx := [][]int32{{2}, {0}, {2}}
	out, err := graph.ExecOnce(b, func(d, i, s *graph.Node) *graph.Node {
		return graph.BackendQuantizedEmbeddingLookup(d, i, &graph.Quantization{Scheme: compute.QuantLinear, Scale: s, BlockAxis: 1, BlockSize: 3})
	}, table, idx, scale)
	if err != nil {
		t.Fatal(err)
	}
	got := out.Value().([][]float32)
	for r, i := range idx {
		for k := range 3 {
			if want := float32(table[i[0]][k]) * scale[i[0]][0]; got[r][k] != want {
				t.Errorf("row %d (index %d)[%d] = %v, want %v", r, i[0], k, got[r][k], want)
			}
		}
	}
}

// TestPatchedRNGBitGenerator: random numbers go through compute v0.1.35's RNGBitGenerator with
// the backend's default algorithm: a seed gives the same numbers twice, uniform in [0, 1) with
// the mean and variance of the uniform distribution, and the state advances.
func TestPatchedRNGBitGenerator(t *testing.T) {
	b := goBackend(t)
	draw := func(seed int64) ([]float64, *tensors.Tensor) {
		state, err := graph.RNGStateFromSeed(seed)
		if err != nil {
			t.Fatal(err)
		}
		outs, err := graph.ExecOnceN(b, func(st *graph.Node) []*graph.Node {
			next, v := graph.RandomUniform(st, shapes.Make(dtypes.Float64, 20000))
			return []*graph.Node{next, v}
		}, state)
		if err != nil {
			t.Fatal(err)
		}
		return outs[1].Value().([]float64), outs[0]
	}
	a, next := draw(42)
	again, _ := draw(42)
	other, _ := draw(43)
	var mean, sq float64
	same, differ := true, false
	for i, v := range a {
		if v < 0 || v >= 1 {
			t.Fatalf("value %d = %v outside [0, 1)", i, v)
		}
		mean += v
		sq += v * v
		same = same && v == again[i]
		differ = differ || v != other[i]
	}
	n := float64(len(a))
	mean /= n
	variance := sq/n - mean*mean
	if !same || !differ {
		t.Errorf("seed 42 twice gives the same numbers: %v; seeds 42 and 43 differ: %v", same, differ)
	}
	if math.Abs(mean-0.5) > 0.01 || math.Abs(variance-1.0/12) > 0.005 {
		t.Errorf("mean %.4f, variance %.4f; uniform: 0.5, %.4f", mean, variance, 1.0/12)
	}
	if start, _ := graph.RNGStateFromSeed(42); strings.EqualFold(start.String(), next.String()) {
		t.Errorf("the state did not advance: %v", next)
	}
}

// TestPatchedDynamicDims: DynamicDim and InferredDim are unnamed (compute v0.1.35 removed
// shapes.AnonymousAxis and names unnamed dynamic axes itself).
func TestPatchedDynamicDims(t *testing.T) {
	b := goBackend(t)
	g := graph.NewGraph(b, "dims")
	dim := graph.Const(g, int32(3))
	for _, c := range []struct {
		spec graph.DimensionSpec
		want string
	}{
		{graph.DynamicDim(dim), "DynamicDim("},
		{graph.InferredDim(), "InferredDim()"},
		{graph.NamedInferredDim("batch"), `InferredDim("batch")`},
	} {
		if s := c.spec.String(); !strings.HasPrefix(s, c.want) {
			t.Errorf("%s, want it to start with %s", s, c.want)
		}
	}
	if n := graph.DynamicDim(dim).AxisName(); n != "" {
		t.Errorf("DynamicDim's axis name %q, want none", n)
	}
}
