// Package metrics computes the evaluation numbers of the paper from model scores: top-1 and
// top-5 error on the balanced test set (the paper's metric), per-class error (Fig. 2, 6), the
// confusion matrix, and the many/medium/few-shot split used by the long-tail literature.
package metrics

import (
	"fmt"
	"sort"
)

// Shot thresholds on the training count of a class (Liu et al. 2019, Kang et al. 2020):
// many-shot > 100 images, few-shot < 20, medium-shot in between.
const (
	ManyShotAbove = 100
	FewShotBelow  = 20
)

// Accumulator collects predictions batch by batch.
type Accumulator struct {
	classes   int
	confusion [][]int // [true][predicted]
	top5Hit   []int   // per true class
	count     []int
}

// NewAccumulator returns an empty accumulator for the given number of classes.
func NewAccumulator(classes int) *Accumulator {
	a := &Accumulator{classes: classes, top5Hit: make([]int, classes), count: make([]int, classes)}
	a.confusion = make([][]int, classes)
	for i := range a.confusion {
		a.confusion[i] = make([]int, classes)
	}
	return a
}

// Add records a batch: scores is [batch × classes] row-major, labels [batch].
func (a *Accumulator) Add(scores []float32, labels []int) error {
	if len(scores) != len(labels)*a.classes {
		return fmt.Errorf("metrics: %d scores for %d labels and %d classes", len(scores), len(labels), a.classes)
	}
	idx := make([]int, a.classes)
	for i, y := range labels {
		if y < 0 || y >= a.classes {
			return fmt.Errorf("metrics: label %d outside [0, %d)", y, a.classes)
		}
		row := scores[i*a.classes : (i+1)*a.classes]
		for j := range idx {
			idx[j] = j
		}
		// Stable descending order: ties go to the lower class index, like torch.topk/argmax.
		sort.SliceStable(idx, func(p, q int) bool { return row[idx[p]] > row[idx[q]] })
		a.confusion[y][idx[0]]++
		a.count[y]++
		for _, j := range idx[:min(5, a.classes)] {
			if j == y {
				a.top5Hit[y]++
				break
			}
		}
	}
	return nil
}

// Result holds the evaluation of one model on one split. Errors are fractions in [0, 1].
type Result struct {
	// Top1Error and Top5Error are balanced: the mean over classes of the per-class error.
	Top1Error, Top5Error float64
	// OverallError is the plain error over all examples (differs from Top1Error on an
	// imbalanced split).
	OverallError  float64
	PerClassError []float64
	// ManyShotError, MediumShotError and FewShotError average the per-class error over the
	// classes with >100, 20–100 and <20 training images; nil when a group has no class.
	ManyShotError, MediumShotError, FewShotError *float64 `json:",omitempty"`
	Confusion                                    [][]int
	Count                                        []int
}

// Result summarizes what was added; trainCounts (may be nil) defines the shot groups.
func (a *Accumulator) Result(trainCounts []int) Result {
	r := Result{PerClassError: make([]float64, a.classes), Confusion: a.confusion, Count: a.count}
	present, wrong, total := 0, 0, 0
	for c := range a.classes {
		n := a.count[c]
		total += n
		wrong += n - a.confusion[c][c]
		if n == 0 {
			continue
		}
		present++
		r.PerClassError[c] = 1 - float64(a.confusion[c][c])/float64(n)
		r.Top1Error += r.PerClassError[c]
		r.Top5Error += 1 - float64(a.top5Hit[c])/float64(n)
	}
	if present > 0 {
		r.Top1Error /= float64(present)
		r.Top5Error /= float64(present)
	}
	if total > 0 {
		r.OverallError = float64(wrong) / float64(total)
	}
	if len(trainCounts) == a.classes {
		var sums [3]float64
		var ns [3]int
		for c, n := range trainCounts {
			if a.count[c] == 0 {
				continue
			}
			g := 1
			if n > ManyShotAbove {
				g = 0
			} else if n < FewShotBelow {
				g = 2
			}
			sums[g] += r.PerClassError[c]
			ns[g]++
		}
		ptr := func(g int) *float64 {
			if ns[g] == 0 {
				return nil
			}
			v := sums[g] / float64(ns[g])
			return &v
		}
		r.ManyShotError, r.MediumShotError, r.FewShotError = ptr(0), ptr(1), ptr(2)
	}
	return r
}

// TestErrors returns the error of a classifier with the given per-class error rates on a test
// set with the given class counts (the plain, count-weighted error) and on a balanced test set
// (the mean of the per-class errors, the metric of the paper's tables).
func TestErrors(perClassError []float64, testCounts []int) (plain, balanced float64, err error) {
	if len(perClassError) != len(testCounts) || len(testCounts) == 0 {
		return 0, 0, fmt.Errorf("metrics: %d per-class errors for %d classes", len(perClassError), len(testCounts))
	}
	n := 0
	for j, e := range perClassError {
		plain += e * float64(testCounts[j])
		balanced += e
		n += testCounts[j]
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("metrics: an empty test set")
	}
	return plain / float64(n), balanced / float64(len(testCounts)), nil
}
