// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package layers

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/compute/support/xslices"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/support/testutil"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	_ "github.com/gomlx/gomlx/backends/default"
)

var (
	flagPlot = flag.Bool("plot", false, "output plot of layer tests.")
)

type Shape = shapes.Shape

var (
	S   = shapes.Make
	F32 = dtypes.Float32
)

func IotaP1Initializer(g *Graph, shape Shape) *Node {
	return AddScalar(Iota(g, shape, 0), 1.0)
}

func testSimpleFunc(t *testing.T, name string, input any,
	fn func(scope *model.Scope, input *Node) *Node, want any) {
	backend := testutil.BuildTestBackend()
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, input *Node) *Node {
		return fn(scope.WithInitializer(IotaP1Initializer), input)
	})
	var outputs []*tensors.Tensor
	require.NotPanicsf(t, func() { outputs = exec.MustCall(input) }, "%s: failed to exec graph", name)
	fmt.Printf("\t%s(%v) = %s\n", name, input, outputs[0].GoStr())
	require.Truef(t, xslices.SlicesInDelta(outputs[0].Value(), want, xslices.Epsilon),
		"%s(%v): want=%v, got=%v", name, input, want, outputs[0].GoStr())
}

func testSimpleFuncMany(t *testing.T, name string, inputs []any,
	fn func(scope *model.Scope, inputs []*Node) *Node, want any) {
	backend := testutil.BuildTestBackend()
	store := model.NewStore()
	exec := model.MustNewExec(backend, store, func(scope *model.Scope, inputs []*Node) *Node {
		return fn(scope.WithInitializer(IotaP1Initializer), inputs)
	})
	var outputs []*tensors.Tensor
	require.NotPanicsf(t, func() { outputs = exec.MustCall(inputs...) }, "%s: failed to exec graph", name)
	parts := make([]string, len(inputs))
	for ii, input := range inputs {
		parts[ii] = fmt.Sprintf("%v", input)
	}
	inputsStr := strings.Join(parts, ", ")
	fmt.Printf("\t%s(%s) = %s\n", name, inputsStr, outputs[0].GoStr())
	require.Truef(t, xslices.SlicesInDelta(outputs[0].Value(), want, xslices.Epsilon),
		"%s(%s): want=%v, got=%v", name, inputsStr, want, outputs[0].GoStr())
}

func TestDense(t *testing.T) {
	backend := testutil.BuildTestBackend()
	store := model.NewStore()
	input := tensors.FromValue([][]float32{{1, 2}, {10, 20}, {100, 200}})
	fmt.Printf("\tinput=%v\n", input)

	exec := model.MustNewExec(backend, store, func(scope *model.Scope, inputNode *Node) []*Node {
		scope = scope.WithInitializer(IotaP1Initializer)
		g := inputNode.Graph()
		output := DenseWithBias(scope, inputNode, 3)
		sum := ReduceAllSum(output)

		weightsVar := store.GetVariable("/dense/weights")
		biasesVar := store.GetVariable("/dense/biases")

		// Generate the gradients with respect to everything (inputs and variables).
		gradients := Gradient(sum, inputNode, weightsVar.NodeValue(g), biasesVar.NodeValue(g))
		return append([]*Node{sum, output}, gradients...)
	})

	results := exec.MustCall(input)
	for v := range store.IterVariables() {
		fmt.Printf("\t%s=%v\n", v.Path(), v.MustValue())
	}

	fmt.Printf("\tsum=%v\n", results[0])
	fmt.Printf("\toutput=%v\n", results[1])
	got := results[1].Value()
	want := [][]float32{{6, 7, 8}, {51, 52, 53}, {501, 502, 503}}
	require.Equalf(t, want, got, "Got %v, Want %v", got, want)

	{
		got := results[2]
		fmt.Printf("\t\tgrad sum/input=%v\n", got)
		want := [][]float32{{3, 6}, {3, 6}, {3, 6}}
		require.Equalf(t, want, got.Value(), "grad sum/input: got %v, want %v", got, want)
	}
	{
		got := results[3]
		fmt.Printf("\t\tgrad sum/weights=%v\n", got)
		want := [][]float32{{111, 111, 111}, {222, 222, 222}}
		require.Equalf(t, want, got.Value(), "grad sum/weights: got %v, want %v", got, want)
	}
	{
		got := results[4]
		fmt.Printf("\t\tgrad sum/biases=%v\n", got)
		want := []float32{3, 3, 3}
		require.Equalf(t, want, got.Value(), "grad sum/biases: got %v, want %v", got, want)
	}
}

func TestDense2(t *testing.T) {
	testSimpleFunc(t, "Dense([4,1,2], true, 3, 1)",
		[][][]float32{{{1, 2}}, {{10, 20}}, {{100, 200}}, {{100, 200}}},
		func(scope *model.Scope, input *Node) *Node {
			return Dense(scope, input, true, 3, 1)
		},
		[][][][]float32{{{{6}, {7}, {8}}}, {{{51}, {52}, {53}}}, {{{501}, {502}, {503}}}, {{{501}, {502}, {503}}}},
	)

	testSimpleFunc(t, "DenseWithBias([100, 3072], 4) == 0",
		float32(0),
		func(scope *model.Scope, input *Node) *Node {
			g := input.Graph()
			input = Ones(g, shapes.Make(dtypes.Float32, 100, 3072))
			output := DenseWithBias(scope.WithInitializer(initializer.Zero), input, 4)
			fmt.Printf("\toutput.shape=%s\n", output.Shape())
			return ReduceAllSum(output)
		},
		float32(0),
	)
}

func plotComputation(title string, start, end float64, fns ...func(x float64) float64) {
	p := plot.New()
	p.Title.Text = title

	p.X.Label.Text = "x"
	p.X.Min = start
	p.X.Max = end

	p.Y.Label.Text = "f(x)"
	p.Y.Min = 0
	p.Y.Max = 1.1

	var plotters []plot.Plotter
	for _, fn := range fns {
		fnPlot := plotter.NewFunction(fn)
		fnPlot.Samples = 1000
		plotters = append(plotters, fnPlot)
	}
	p.Add(plotters...)
	if err := p.Save(12*vg.Inch, 6*vg.Inch, title+".png"); err != nil {
		panic(err)
	}
}

func TestPieceWiseLinearCalibration(t *testing.T) {
	manager := testutil.BuildTestBackend()
	{
		store := model.NewStore()
		const numKeypoints = 5
		const maxInput = 100

		exec := model.MustNewExec(manager, store, func(scope *model.Scope, input *Node) (*Node, *Node) {
			g := input.Graph()
			keypoints := Div(IotaFull(g, S(F32, numKeypoints)), Const(g, float32(numKeypoints-1)))
			keypoints = Mul(keypoints, keypoints)
			keypoints = Mul(keypoints, Const(g, float32(maxInput)))
			calibrated := PieceWiseLinearCalibrationCascaded(scope, input, keypoints, true)
			return keypoints, calibrated
		})

		if *flagPlot {
			// Plot calibration of a point x.
			calibration := func(x float64) float64 {
				results := exec.MustCall(float32(x))
				return float64(tensors.ToScalar[float32](results[1]))
			}

			plotComputation("weights", -10, 110, calibration)
			return
		}

		// Continue with normal test, with fixed input values.
		inputValues := []float32{-1, 5, 25, 50, 110}
		results := exec.MustCall(inputValues)
		fmt.Printf("\tkeypoints=%s\n", results[0])
		got := results[1]
		fmt.Printf("\tpwl=%s\n", got)
		want := []float32{0, 0.2, 0.5, 0.7, 1}
		require.InDeltaSlicef(t, want, got.Value(), 1e-4,
			"Expected a log-like output, trimmed at the edges: got=%s, want=%v", got, want)
	}
}
