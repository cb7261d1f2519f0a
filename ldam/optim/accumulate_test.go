package optim

import (
	"math"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestAccumulateMatchesWholeBatch trains a least-squares model y ≈ w·x + b for three batches of
// 8 examples, once with whole-batch steps and once as K = 4 micro-batches of 2 plus Apply, with
// SGD (momentum, weight decay) and with GoMLX's Adam: the parameters must agree (the mean of the
// micro-batches' mean losses is the batch's mean loss).
func TestAccumulateMatchesWholeBatch(t *testing.T) {
	backend, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	xs := []float64{1, -2, 0.5, 3, -1, 2, 0.25, -0.5}
	ys := []float64{2, -3, 1, 7, -1, 5, 0.5, 0}
	for _, c := range []struct {
		name  string
		inner func() GradientOptimizer
	}{
		{"sgd", func() GradientOptimizer { return &SGD{LR: 0.05, Momentum: 0.9, WeightDecay: 0.01} }},
		{"adam", func() GradientOptimizer { return optimizer.Adam().LearningRate(0.05).Done().(GradientOptimizer) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			train := func(k int) []float64 {
				store := model.NewStore()
				w := store.VariableWithValue("/w", 0.5)
				b := store.VariableWithValue("/b", -0.25)
				inner := c.inner()
				var opt optimizer.Interface = inner
				acc := &Accumulate{K: k, Inner: inner}
				if k > 1 {
					opt = acc
				}
				step, err := model.NewExec(backend, store, func(scope *model.Scope, x, y *Node) *Node {
					g := x.Graph()
					scope.SetTraining(g, true) // an update graph is a training graph (see trainable)
					loss := ReduceAllMean(Square(Sub(Add(Mul(w.NodeValue(g), x), b.NodeValue(g)), y)))
					opt.UpdateGraph(scope, g, loss)
					return loss
				})
				if err != nil {
					t.Fatal(err)
				}
				n := len(xs) / k
				for range 3 {
					for m := range k {
						if _, err := step.Call(tensors.FromValue(xs[m*n:(m+1)*n]), tensors.FromValue(ys[m*n:(m+1)*n])); err != nil {
							t.Fatal(err)
						}
					}
					if k > 1 {
						if err := acc.Apply(backend, store); err != nil {
							t.Fatal(err)
						}
					}
				}
				return []float64{tensors.ToScalar[float64](w.MustValue()), tensors.ToScalar[float64](b.MustValue())}
			}
			whole, micro := train(1), train(4)
			if whole[0] == 0.5 {
				t.Fatal("whole-batch training did not move w")
			}
			for i := range whole {
				if math.Abs(whole[i]-micro[i]) > 1e-12 {
					t.Errorf("parameter %d: whole batch %.15f, 4 micro-batches %.15f", i, whole[i], micro[i])
				}
			}
		})
	}
}
