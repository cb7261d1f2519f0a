package losses_test

import (
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
)

// BenchmarkLosses times loss + gradient on a [128, 100] batch (CIFAR-100 sized).
func BenchmarkLosses(b *testing.B) {
	p := newProblem(9, 128, 100)
	for _, tc := range allLosses {
		b.Run(tc.name, func(b *testing.B) {
			exec := MustNewExec(testBackend(b), func(l, y, m, w *Node) *Node {
				return Gradient(tc.fn(l, y, m, w), l)[0]
			})
			args := p.tensors(p.logits)
			exec.MustCall(args...)
			b.ResetTimer()
			for b.Loop() {
				exec.MustCall(p.tensors(p.logits)...)[0].MustFinalizeAll()
			}
		})
	}
}
