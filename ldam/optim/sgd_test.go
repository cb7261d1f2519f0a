package optim

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// TestMatchesTorchSGD runs three steps on loss = Σ (p·x)² and compares with
// torch.optim.SGD(lr, momentum, weight_decay) computed by hand:
// d = g + λp; b = μb + d (b = d at the first step); p −= lr·b.
func TestMatchesTorchSGD(t *testing.T) {
	backend, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	const lr, mu, wd = 0.1, 0.9, 0.01
	x := []float64{1, -2}
	store := model.NewStore()
	p := store.VariableWithValue("/p", []float64{0.5, 0.25})
	opt := &SGD{LR: lr, Momentum: mu, WeightDecay: wd}
	step, err := model.NewExec(backend, store, func(scope *model.Scope, xs *Node) *Node {
		scope.SetTraining(xs.Graph(), true) // an update graph is a training graph (see trainable)
		loss := ReduceAllSum(Square(Mul(p.NodeValue(xs.Graph()), xs)))
		opt.UpdateGraph(scope, xs.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.5, 0.25}
	buf := []float64{0, 0}
	for range 3 {
		if _, err := step.Call(tensors.FromValue(x)); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			g := 2 * want[i] * x[i] * x[i]
			d := g + wd*want[i]
			buf[i] = mu*buf[i] + d
			want[i] -= lr * buf[i]
		}
	}
	got := tensors.MustCopyFlatData[float64](p.MustValue())
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("p[%d] = %.15f, torch SGD gives %.15f", i, got[i], want[i])
		}
	}
	// A new rate applies to the next step without recompiling.
	if err := SetLearningRate(store, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := step.Call(tensors.FromValue(x)); err != nil {
		t.Fatal(err)
	}
	if again := tensors.MustCopyFlatData[float64](p.MustValue()); again[0] != got[0] || again[1] != got[1] {
		t.Errorf("with learning rate 0 the parameters moved: %v → %v", got, again)
	}
}

// TestUpdateOutsideTrainingModeRefused: on a backend that freezes the variables of a
// non-training graph as constants, an update graph without training mode is refused with a
// message that says how to fix it, instead of silently updating from stale values.
func TestUpdateOutsideTrainingModeRefused(t *testing.T) {
	backend, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	if !backend.Capabilities().PreferConstantsForVariables {
		t.Fatalf("the Go backend no longer prefers constants for variables: revisit optim.trainable's guard")
	}
	store := model.NewStore()
	p := store.VariableWithValue("/p", []float64{0.5})
	opt := &SGD{LR: 0.1}
	step, err := model.NewExec(backend, store, func(scope *model.Scope, xs *Node) *Node {
		loss := ReduceAllSum(Mul(p.NodeValue(xs.Graph()), xs))
		opt.UpdateGraph(scope, xs.Graph(), loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%v", r)
			}
		}()
		_, err = step.Call(tensors.FromValue([]float64{1}))
	}()
	if err == nil || !strings.Contains(err.Error(), "SetTraining") {
		t.Fatalf("an update graph outside training mode: error %v, want one naming SetTraining", err)
	}
}

// TestLRFactors: a parameter group's factor scales its variables' steps and no other's, as
// PyTorch's per-group lr; the longest matching scope wins.
func TestLRFactors(t *testing.T) {
	backend, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	const lr = 0.1
	store := model.NewStore()
	vars := map[string]*model.Variable{
		"/a/p":   store.Scope("/a").VariableWithValue("p", []float64{1}),
		"/a/b/p": store.Scope("/a/b").VariableWithValue("p", []float64{1}),
		"/ab/p":  store.Scope("/ab").VariableWithValue("p", []float64{1}),
		"/c/p":   store.Scope("/c").VariableWithValue("p", []float64{1}),
	}
	opt := &SGD{LR: lr, LRFactors: map[string]float64{"/a": 0.5, "/a/b/": 0.25}}
	step, err := model.NewExec(backend, store, func(scope *model.Scope, xs *Node) *Node {
		g := xs.Graph()
		scope.SetTraining(g, true)
		loss := Mul(ReduceAllSum(xs), ReduceAllSum(vars["/a/p"].NodeValue(g)))
		for _, name := range []string{"/a/b/p", "/ab/p", "/c/p"} {
			loss = Add(loss, ReduceAllSum(vars[name].NodeValue(g))) // gradient 1
		}
		opt.UpdateGraph(scope, g, loss)
		return loss
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := step.Call(tensors.FromValue([]float64{1})); err != nil {
		t.Fatal(err)
	}
	for name, factor := range map[string]float64{"/a/p": 0.5, "/a/b/p": 0.25, "/ab/p": 1, "/c/p": 1} {
		got := tensors.MustCopyFlatData[float64](vars[name].MustValue())[0]
		if want := 1 - lr*factor; math.Abs(got-want) > 1e-15 {
			t.Errorf("%s: %g after one step of gradient 1, want 1 − %g·%g = %g", name, got, lr, factor, want)
		}
	}
}
