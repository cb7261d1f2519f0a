package probe

import (
	"math"
	"testing"
)

func TestLASSmoothing(t *testing.T) {
	for _, tc := range []struct {
		name       string
		counts     []int
		head, tail float64
		want       []float64
		wantErr    bool
	}{
		// ε(50) = ε_K + (ε_1 − ε_K)·sin(π·49/198).
		{"CIFAR-10 values", []int{100, 50, 1}, 0.3, 0, []float64{0.3, 0.21044246631189634, 0}, false},
		{"CIFAR-100 values", []int{1, 100, 50}, 0.4, 0.1, []float64{0.1, 0.4, 0.3104424663118963}, false},
		{"balanced counts", []int{10, 10}, 0.3, 0, nil, true},
		{"an empty class", []int{10, 0}, 0.3, 0, nil, true},
		{"smoothing above 1", []int{10, 5}, 1.5, 0, nil, true},
		{"one class", []int{10}, 0.3, 0, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LASSmoothing(tc.counts, tc.head, tc.tail)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			for j := range tc.want {
				if math.Abs(got[j]-tc.want[j]) > 1e-12 {
					t.Errorf("ε_%d = %.15g, want %.15g", j, got[j], tc.want[j])
				}
			}
		})
	}
}

// TestSmoothedLossMatchesFormula evaluates the objective on one example against
// (1 − ε)·(−log p_y) + ε·mean_c(−log p_c) computed from its logits.
func TestSmoothedLossMatchesFormula(t *testing.T) {
	z := []float64{0.5, -1, 2}
	w := []float64{ // [k][d+1], d = 3: logits = rows·z + bias
		1, 0, 0, 0.1,
		0, 1, 0, -0.2,
		0, 0, 1, 0.3,
	}
	logits := []float64{0.5 + 0.1, -1 - 0.2, 2 + 0.3}
	lse := math.Log(math.Exp(logits[0]) + math.Exp(logits[1]) + math.Exp(logits[2]))
	for _, eps := range []float64{0, 0.3, 1} {
		o := objective{z: z, labels: []int{1}, n: 1, d: 3, k: 3, smoothing: []float64{0, eps, 0}}
		mean := 0.0
		for _, l := range logits {
			mean += (lse - l) / 3
		}
		want := (1-eps)*(lse-logits[1]) + eps*mean
		if got := o.eval(w, nil); math.Abs(got-want) > 1e-12 {
			t.Errorf("ε = %g: loss %.12f, want %.12f", eps, got, want)
		}
	}
}

func TestMiSLASStage(t *testing.T) {
	// Imbalanced blobs: 40, 20 and 5 examples.
	var x []float64
	var y []int
	for c, n := range []int{40, 20, 5} {
		xc, _ := blobs(3, 4, n, 2, uint64(10+c))
		x = append(x, xc[c*n*4:(c+1)*n*4]...)
		for range n {
			y = append(y, c)
		}
	}
	counts := []int{40, 20, 5}
	t.Run("no smoothing is cRT", func(t *testing.T) {
		m, err := MiSLAS(x, 4, y, 3, 0.01, counts, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		c, err := CRT(x, 4, y, 3, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		for i := range m.W {
			if math.Abs(m.W[i]-c.W[i]) > 1e-6 {
				t.Fatalf("weight %d: %g, cRT %g", i, m.W[i], c.W[i])
			}
		}
	})
	t.Run("smoothing shrinks the head's confidence", func(t *testing.T) {
		plain, err := MiSLAS(x, 4, y, 3, 0.01, counts, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		las, err := MiSLAS(x, 4, y, 3, 0.01, counts, 0.3, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The mean probability the model gives the head class on its own examples falls when
		// the head's labels are smoothed.
		conf := func(m *Linear) float64 {
			l, err := m.Logits(x[:40*4])
			if err != nil {
				t.Fatal(err)
			}
			s := 0.0
			for i := range 40 {
				r := l[i*3 : i*3+3]
				s += math.Exp(r[0]) / (math.Exp(r[0]) + math.Exp(r[1]) + math.Exp(r[2])) / 40
			}
			return s
		}
		if a, b := conf(plain), conf(las); !(b < a) {
			t.Errorf("head confidence %g with LAS, %g without: smoothing should lower it", b, a)
		}
	})
	t.Run("as a classifier of raw features", func(t *testing.T) {
		m, err := MiSLAS(x, 4, y, 3, 0.01, counts, 0.3, 0)
		if err != nil {
			t.Fatal(err)
		}
		want, err := m.Logits(x)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Classifier().Logits(x)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-9*max(1, math.Abs(want[i])) {
				t.Fatalf("logit %d: %g, want %g", i, got[i], want[i])
			}
		}
	})
	if _, err := MiSLAS(x, 4, y, 3, 0.01, []int{40, 20}, 0.3, 0); err == nil {
		t.Error("MiSLAS accepted 2 counts for 3 classes")
	}
}
