package optim

import (
	"math"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestSAMMatchesHandComputation runs three SAM steps on loss = Σ (p·x)² + c·Σ p⁴ (the quartic
// term makes the gradient at the perturbed point differ from a linear extrapolation) and
// compares with the rule computed by hand: g = ∇L(p), ε = ρ g/‖g‖, d = ∇L(p + ε) + λp,
// b = μb + d, p −= lr·b. A non-trainable variable updated by the loss (as a batch norm's
// running mean) must keep the first pass's update.
func TestSAMMatchesHandComputation(t *testing.T) {
	backend, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	const lr, mu, wd, rho, c = 0.05, 0.9, 0.01, 0.3, 0.5
	x := []float64{1, -2}
	store := model.NewStore()
	p := store.VariableWithValue("/p", []float64{0.5, 0.25})
	count := store.VariableWithValue("/count", 0.0).SetTrainable(false)
	lossOf := func(g *Graph) *Node {
		pv := p.NodeValue(g)
		count.SetNodeValue(AddScalar(count.NodeValue(g), 1)) // counts forward passes
		return Add(ReduceAllSum(Square(Mul(pv, Const(g, x)))), MulScalar(ReduceAllSum(Square(Square(pv))), c))
	}
	opt := &SAM{SGD: SGD{LR: lr, Momentum: mu, WeightDecay: wd}, Rho: rho, Loss: lossOf}
	step, err := model.NewExec(backend, store, func(scope *model.Scope, xs *Node) *Node {
		scope.SetTraining(xs.Graph(), true) // an update graph is a training graph (see trainable)
		loss := lossOf(xs.Graph())
		opt.UpdateGraph(scope, xs.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	grad := func(q []float64) []float64 {
		return []float64{2*q[0]*x[0]*x[0] + 4*c*q[0]*q[0]*q[0], 2*q[1]*x[1]*x[1] + 4*c*q[1]*q[1]*q[1]}
	}
	want := []float64{0.5, 0.25}
	buf := []float64{0, 0}
	for range 3 {
		if _, err := step.Call(tensors.FromValue(x)); err != nil {
			t.Fatal(err)
		}
		g := grad(want)
		n := math.Hypot(g[0], g[1])
		e := []float64{want[0] + rho*g[0]/n, want[1] + rho*g[1]/n}
		gs := grad(e)
		for i := range want {
			d := gs[i] + wd*want[i]
			buf[i] = mu*buf[i] + d
			want[i] -= lr * buf[i]
		}
	}
	got := tensors.MustCopyFlatData[float64](p.MustValue())
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("p[%d] = %.15f, SAM by hand gives %.15f", i, got[i], want[i])
		}
	}
	if n := count.MustValue().Value().(float64); n != 3 {
		t.Errorf("the non-trainable counter is %g after 3 steps: the second pass's update leaked", n)
	}
}
