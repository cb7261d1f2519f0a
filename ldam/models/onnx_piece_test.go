//go:build cgo

package models

import (
	"math"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestPiecesAgreeAcrossBackends(t *testing.T) {
	onnx := onnxBackend(t)
	goB := newBackend(t)
	const B, C, H, W, O = 2, 3, 8, 8, 4
	x := normals(B*C*H*W, 1)
	kern := normals(3*3*C*O, 2)
	pieces := []struct {
		name string
		f    func(x, k *Node) *Node
	}{
		{"conv nchw s1", func(x, k *Node) *Node {
			return Convolve(x, k).AxesConfig(nchwAxes).PaddingPerDim([][2]int{{1, 1}, {1, 1}}).Done()
		}},
		{"subsample", func(x, k *Node) *Node { return Subsample(x, 2, 2) }},
		{"bn axis 1 like", func(x, k *Node) *Node {
			m := ReduceMean(x, 0, 2, 3)
			return Sub(x, Reshape(m, 1, C, 1, 1))
		}},
		{"transpose in", func(x, k *Node) *Node { return TransposeAllAxes(x, 0, 2, 3, 1) }},
	}
	for _, p := range pieces {
		var ref [][]float32
		for _, b := range []compute.Backend{goB, onnx} {
			exec := MustNewExec(b, func(x, k *Node) []*Node {
				y := p.f(x, k)
				w := Iota(x.Graph(), y.Shape(), -1)
				loss := ReduceAllSum(Mul(Sin(ConvertDType(w, y.DType())), y))
				return append([]*Node{y}, Gradient(loss, x, k)...)
			})
			out := exec.MustExec(tensors.FromFlatDataAndDimensions(x, B, C, H, W), tensors.FromFlatDataAndDimensions(kern, 3, 3, C, O))
			var got [][]float32
			for _, o := range out {
				got = append(got, tensors.MustCopyFlatData[float32](o))
			}
			if ref == nil {
				ref = got
				continue
			}
			for i := range got {
				for j := range got[i] {
					if math.Abs(float64(got[i][j]-ref[i][j])) > 1e-3*(1+math.Abs(float64(ref[i][j]))) {
						t.Errorf("%s: output %d differs at %d: ONNX %g, Go %g", p.name, i, j, got[i][j], ref[i][j])
						break
					}
				}
			}
		}
	}
}
