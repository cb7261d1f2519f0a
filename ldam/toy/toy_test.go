package toy

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/gomlx/compute/gobackend"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/ldamlab/ldamlab/lab/env"
	"github.com/ldamlab/ldamlab/ldam/losses"
)

// TestPageLDAMIsTheLibrarys: the loss the notebook writes out equals losses.LDAM, value and
// gradient, with and without class weights, to float64 rounding.
func TestPageLDAMIsTheLibrarys(t *testing.T) {
	backend, err := gobackend.New("")
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Finalize()
	rng := rand.New(rand.NewPCG(3, 4))
	n, k := 40, 3
	z := make([]float64, n*k)
	for i := range z {
		z[i] = 2*rng.Float64() - 1
	}
	y := make([]int32, n)
	for i := range y {
		y[i] = int32(rng.IntN(k))
	}
	for _, w := range [][]float64{{1, 1, 1}, {0.2, 1.1, 1.7}} {
		for _, s := range []float64{1, 30} {
			exec, err := NewExec(backend, func(z, y, m, w *Node) []*Node {
				page, lib := PageLDAM(z, y, m, w, s), losses.LDAM(z, y, m, w, s)
				return []*Node{page, lib, Gradient(page, z)[0], Gradient(lib, z)[0]}
			})
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Call(tensors.FromFlatDataAndDimensions(z, n, k), tensors.FromFlatDataAndDimensions(y, n),
				tensors.FromFlatDataAndDimensions([]float64{0.16, 0.28, 0.5}, k), tensors.FromFlatDataAndDimensions(w, k))
			if err != nil {
				t.Fatal(err)
			}
			page, lib := out[0].Value().(float64), out[1].Value().(float64)
			if math.Abs(page-lib) > 1e-12*math.Abs(lib) {
				t.Errorf("weights %v, s %g: page %v, library %v", w, s, page, lib)
			}
			gp, gl := tensors.MustCopyFlatData[float64](out[2]), tensors.MustCopyFlatData[float64](out[3])
			for i := range gp {
				if math.Abs(gp[i]-gl[i]) > 1e-12 {
					t.Fatalf("weights %v, s %g: gradient %d: page %v, library %v", w, s, i, gp[i], gl[i])
				}
			}
			exec.Finalize()
		}
	}
}

// TestNotebookShowsPageLDAM: notebook 03 shows PageLDAM's body as written here, so the loss a
// reader sees is the tested one.
func TestNotebookShowsPageLDAM(t *testing.T) {
	src, err := os.ReadFile("pageloss.go")
	if err != nil {
		t.Fatal(err)
	}
	body := string(src)
	body = body[strings.Index(body, "\tonehot :="):strings.LastIndex(body, "\n}")]
	cells, err := env.ReadNotebook("../../notebooks/03-ldam-loss.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if c.Type == "code" && strings.Contains(c.Source, body) {
			return
		}
	}
	t.Errorf("no code cell of notebooks/03-ldam-loss.ipynb holds PageLDAM's body:\n%s", body)
}

// TestData: the counts asked for, each class around its own point of the unit circle.
func TestData(t *testing.T) {
	c := Default()
	train, test, err := Data(c)
	if err != nil {
		t.Fatal(err)
	}
	count := make([]int, 3)
	mean := make([][2]float64, 3)
	for i, x := range train.X {
		count[train.Y[i]]++
		mean[train.Y[i]][0] += x[0]
		mean[train.Y[i]][1] += x[1]
	}
	for j, n := range c.Counts {
		if count[j] != n {
			t.Errorf("class %d: %d training points, want %d", j, count[j], n)
		}
		a := math.Pi/2 + 2*math.Pi*float64(j)/3
		if got := math.Atan2(mean[j][1], mean[j][0]); math.Abs(math.Remainder(got-a, 2*math.Pi)) > 2*c.Spread/math.Sqrt(float64(n))+0.05 {
			t.Errorf("class %d centred at angle %.2f, want %.2f", j, got, a)
		}
	}
	if len(test.Y) != 3*c.TestPerClass {
		t.Errorf("%d test points", len(test.Y))
	}
}

func TestMargins(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		loss string
		want []float64
	}{
		{"CE", []float64{0, 0, 0}},
		{"Uniform", []float64{0.5, 0.5, 0.5}},
		{"LDAM", []float64{0.5 * math.Pow(0.01, 0.25), 0.5 * math.Pow(0.1, 0.25), 0.5}},
	} {
		got, err := Margins(c, Method{Loss: tc.loss})
		if err != nil {
			t.Fatal(err)
		}
		for j := range got {
			if math.Abs(got[j]-tc.want[j]) > 1e-12 {
				t.Errorf("%s: margins %v, want %v", tc.loss, got, tc.want)
			}
		}
	}
	if _, err := Margins(c, Method{Loss: "Focal"}); err == nil {
		t.Error("an unknown loss gave margins")
	}
}

// TestTraining: on the default toy, cross-entropy leaves the rare class's boundary near its
// few training points (its test error well above the head's), and every re-balancing or margin
// method lowers the balanced error; LDAM's margins grow toward the rare class.
func TestTraining(t *testing.T) {
	rs, err := TrainAll(Default())
	if err != nil {
		t.Fatal(err)
	}
	ce := rs[0]
	if ce.TestError[2] < 2*ce.TestError[0]+0.05 {
		t.Errorf("CE: test error per class %v; the rare class should suffer", ce.TestError)
	}
	for _, r := range rs[1:] {
		if r.BalancedError >= ce.BalancedError {
			t.Errorf("%s: balanced error %.3f, not below CE's %.3f", r.Method.Name, r.BalancedError, ce.BalancedError)
		}
	}
	ldam := rs[2]
	if !(ldam.GammaLow[2] > ce.GammaLow[2]) {
		t.Errorf("LDAM's rare-class margin %.3f is not above CE's %.3f", ldam.GammaLow[2], ce.GammaLow[2])
	}
	for _, r := range rs {
		if l := r.Loss; !(l[len(l)-1] < l[0]) {
			t.Errorf("%s: the loss did not decrease (%.3f → %.3f)", r.Method.Name, l[0], l[len(l)-1])
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []Config{{Counts: []int{10}}, {Counts: []int{10, 0}}, {Epochs: 10, T0: 11}, {Spread: -1}, {MaxMargin: -0.5}} {
		if _, err := Train(c, Methods[0]); err == nil {
			t.Errorf("%+v trained", c)
		}
	}
	if _, err := Train(Default(), Method{Loss: "CE", Rule: "Magic"}); err == nil {
		t.Error("an unknown rule trained")
	}
}

func TestBound(t *testing.T) {
	counts := []int{100, 1}
	if got, want := MarginTerm([]float64{0.5, 0.25}, counts), (2*0.1+4*1)/2; math.Abs(got-want) > 1e-12 {
		t.Errorf("margin term %v, want %v", got, want)
	}
	if !math.IsInf(Bound([]float64{0.5, 0}, counts), 1) || !math.IsInf(MarginTerm([]float64{-1, 1}, counts), 1) {
		t.Error("a margin ≤ 0 gave a finite bound")
	}
	want := (2*0.1 + math.Log(101)/10 + 4 + math.Log(101)) / 2
	if got := Bound([]float64{0.5, 0.25}, counts); math.Abs(got-want) > 1e-12 {
		t.Errorf("bound %v, want %v", got, want)
	}
}

// TestReading: the reading quotes the results it is given.
func TestReading(t *testing.T) {
	c := Default()
	rs, err := TrainAll(c)
	if err != nil {
		t.Fatal(err)
	}
	r := Reading(rs, c.Counts)
	for _, want := range []string{fmt.Sprintf("%.1f %% test error", 100*rs[0].TestError[2]), fmt.Sprintf("falls from %.1f %%", 100*rs[0].BalancedError), "LDAM-DRW"} {
		if !strings.Contains(r, want) {
			t.Errorf("the reading lacks %q:\n%s", want, r)
		}
	}
	if n := len(strings.Fields(r)); n > 150 {
		t.Errorf("the reading has %d words; keep it under 150", n)
	}
	if !strings.HasPrefix(Reading(rs[1:], c.Counts), "toy:") {
		t.Error("a reading without CE first")
	}
}
