package models

import (
	"fmt"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestS2DScratch3(t *testing.T) {
	backend := newBackend(t)
	for _, c := range []struct{ H, C, k int }{{3, 1, 2}, {3, 2, 2}, {4, 1, 2}, {6, 3, 2}, {3, 4, 2}, {5, 1, 3}} {
		exec := MustNewExec(backend, func(x, w *Node) []*Node {
			y := Convolve(x, w).NoPadding().Done()
			return []*Node{Gradient(ReduceAllSum(y), x)[0]}
		})
		w := make([]float32, c.k*c.k*c.C)
		for i := range w {
			w[i] = 1
		}
		out := exec.MustExec(tensors.FromFlatDataAndDimensions(make([]float32, c.H*c.H*c.C), 1, c.H, c.H, c.C), tensors.FromFlatDataAndDimensions(w, c.k, c.k, c.C, 1))
		fmt.Println(c, tensors.MustCopyFlatData[float32](out[0]))
	}
}
