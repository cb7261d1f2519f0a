package figures

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ldamlab/ldamlab/ldam/theory"
)

func TestTheorem3Figure(t *testing.T) {
	c := theory.DefaultTheorem3()
	c.Trials, c.TestPerClass = 5, 500
	res, err := theory.RunTheorem3(c)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Theorem3(res)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title, "5 draws") || len(p.Rows[0]) != 2 || !strings.Contains(p.Rows[0][1].Title.Text, "paired") {
		t.Errorf("title %q, %d panels", p.Title, len(p.Rows[0]))
	}
	checkFiles(t, "theorem3", p.Rows[0][0])
	checkFiles(t, "theorem3-paired", p.Rows[0][1])
}

func TestFig1(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	x, y, svm, _, err := theory.TwoGaussians(rng, 60, 6, 2, 2.5)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Fig1(x, y, svm)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Title.Text, "Theorem 3") {
		t.Errorf("title %q", p.Title.Text)
	}
	checkFiles(t, "fig1", p)
}
