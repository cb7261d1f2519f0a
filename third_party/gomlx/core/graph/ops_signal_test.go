// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package graph_test

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/graph/graphtest"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/dataset"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/ml/train/loss"
	"github.com/gomlx/gomlx/ml/train/optimizer"
	"github.com/gomlx/gomlx/support/testutil"
	"github.com/gomlx/gomlx/ui/commandline"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFFT(t *testing.T) {
	testutil.TestOfficialBackends(t, func(t *testing.T, backend compute.Backend) {
		if !backend.Capabilities().Operations[compute.OpTypeFFT] {
			t.Skipf("Backend %q does not support FFT", backend.Name())
			return
		}

		graphtest.RunTestGraphFnWithBackend(t, "FFT and InverseFFT", backend, func(g *Graph) (inputs, outputs []*Node) {
			const numPoints = 1000
			const numPeriods = 10
			x := Iota(g, shapes.Make(dtypes.Float32, numPoints), -1)
			x = MulScalar(x, 2*math.Pi*numPeriods/numPoints)
			y := Sin(x)
			y.AssertDims(numPoints)
			inputs = []*Node{y}
			yC := ConvertDType(y, dtypes.Complex128)
			yC.AssertDims(numPoints)
			fft := FFT(yC)
			yHat := InverseFFT(fft)
			diff := ReduceAllSum(Abs(Sub(yC, yHat)))
			outputs = []*Node{diff}
			return
		}, []any{
			0.0,
		}, 1.0)

		graphtest.RunTestGraphFnWithBackend(t, "RealFFT and InverseRealFFT", backend, func(g *Graph) (inputs, outputs []*Node) {
			const batchDim = 2
			const numPoints = 1000
			x := Iota(g, shapes.Make(dtypes.Float32, batchDim, numPoints), -1)
			const numPeriods = 10
			y := Sin(MulScalar(x, 2*math.Pi*numPeriods/numPoints))
			y.AssertDims(batchDim, numPoints)
			inputs = []*Node{y}
			fft := RealFFT(y)
			fft.AssertDims(batchDim, numPoints/2+1)
			yHat := InverseRealFFT(fft)
			yHat.AssertDims(batchDim, numPoints)
			diff := ReduceAllSum(Abs(Sub(y, yHat)))
			outputs = []*Node{diff}
			return
		}, []any{
			float32(0.0),
		}, 1.0)
	})
}

func TestGradientFFT(t *testing.T) {
	testutil.TestOfficialBackends(t, func(t *testing.T, backend compute.Backend) {
		if !backend.Capabilities().Operations[compute.OpTypeFFT] {
			t.Skipf("Backend %q does not support FFT", backend.Name())
			return
		}
		if runtime.GOOS == "darwin" {
			t.Skip("TestGradientFFT does not work in Darwin -- numerical differences.")
			return
		}
		desc := strings.ToLower(backend.Description())
		if strings.Contains(desc, "cuda") || strings.Contains(desc, "gpu") {
			t.Skipf("TestGradientFFT does not work with CUDA/GPU backend (%s) -- numerical differences.", backend.Description())
			return
		}

		// Create a small sine curve using 11 numbers (scaled from 0 to 2π),
		// calculate the FFT, takes the gradient of that w.r.t input.
		// Also checks that the InverseFFT takes it back to the input.
		graphtest.RunTestGraphFnWithBackend(t, "GradientFFT", backend, func(g *Graph) (inputs, outputs []*Node) {
			x := Iota(g, shapes.Make(dtypes.Float64, 11), 0)
			x = MulScalar(x, 2.0*math.Pi/11)
			x = Sin(x)
			x = ConvertDType(x, dtypes.Complex128)
			fft := FFT(x)
			fft.SetLogged("FFT")
			output := ReduceAllSum(Abs(fft))
			argmax := ArgMax(Abs(fft), -1)
			inv := InverseFFT(fft)
			diff := ReduceAllSum(Abs(Sub(inv, x)))
			grad := Gradient(output, x)[0]
			return []*Node{x}, []*Node{output, argmax, diff, grad}
		}, []any{
			11.0,
			int32(1), // Max frequency is of 1, since it's exactly 1 period of a sin curve.
			0.0,
			// Notice that GPUs FFT implementation yields significantly different results, so this only works on
			// the CPU (Eigen presumably) implementation. The results matches results yielded by similar code in
			// TensorFlow (notice that if using complex64 the numbers differ).
			[]complex128{
				2.241402232696969 + 0i,
				0.8408081271818637 + 0i,
				4.848838858213708 + 0i,
				2.7934819834338587 + 0i,
				-0.5628044369683731 + 0i,
				0.6846870446443976 + 0i,
				4.140658304799644 + 0i,
				-0.16628391231716422 + 0i,
				0.3723748150049282 + 0i,
				-7.438217966151578 + 0i,
				3.245054949461747 + 0i,
			},
		}, 1e-3)

		// Similar to previous test, same input, but now we check the gradient of the diff of the reversed sequence
		// w.r.t the FFT values.
		// It should be close to 0, since the diff should be close to 0 -- it would be if the FFT were perfect.
		graphtest.RunTestGraphFnWithBackend(t, "GradientFFT", backend, func(g *Graph) (inputs, outputs []*Node) {
			x := Iota(g, shapes.Make(dtypes.Float64, 11), 0)
			x = MulScalar(x, 2.0*math.Pi/11)
			x = Sin(x)
			x = ConvertDType(x, dtypes.Complex128)
			fft := FFT(x)
			sumFft := ReduceAllSum(Abs(fft))
			argmax := ArgMax(Abs(fft), -1)
			inv := InverseFFT(fft)
			diff := Abs(ReduceAllSum(Sub(inv, x)))
			grad := Gradient(diff, fft)[0]
			return []*Node{x}, []*Node{sumFft, argmax, diff, grad}
		}, []any{
			11.0, int32(1), 0.0,
			// Notice that GPUs FFT implementation yields significantly different results, so this only works on
			// the CPU (Eigen presumably) implementation. The results matches results yielded by similar code in
			// TensorFlow (notice that if using complex64 the numbers differ).
			[]complex128{(-1 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i), (0 + 0i)},
		}, 1e-3)
	}, "xla:cuda") // Exclude "xla:cuda" (in case it is named explicitly); CUDA is also dynamically skipped above.
}

// realFftExample returns (x, y) where: x is a sinusoidal curve with numPoints points,
// and with `frequency` full cycles; y is the RealFFT(x).
func realFftExample(backend compute.Backend, realDType dtypes.DType, numPoints int, frequency float64) (x, y *tensors.Tensor) {
	e := MustNewExec(backend, func(g *Graph) (x, y *Node) {
		x = Iota(g, shapes.Make(realDType, 1, numPoints), 1)
		x = MulScalar(x, 2.0*math.Pi*frequency/float64(numPoints))
		x = Sin(x)
		y = RealFFT(x)
		return
	})
	outputs := e.MustCall()
	x, y = outputs[0], outputs[1]
	return
}

// TestGradientRealFFT tests it by checking that by gradient-descent we can
// invert RealFFT.
//
// See plots of this in `examples/fft/fft.ipynb`.
func TestGradientRealFFT(t *testing.T) {
	backend := testutil.BuildTestBackend()
	if !backend.Capabilities().Operations[compute.OpTypeFFT] {
		t.Skipf("Backend %q does not support FFT", backend.Name())
	}
	// trueX is real, and trueY is the fft, a complex tensor.
	trueX, trueY := realFftExample(backend, dtypes.Float32, 100, 2)
	store := model.NewStore()
	store.SetParam(optimizer.ParamLearningRate, 0.01)
	store.SetRNGStateFromSeed(42) // Make it deterministic.
	modelFn := func(scope *model.Scope, spec any, inputs []*Node) []*Node {
		scope = scope.WithInitializer(initializer.Zero)
		g := inputs[0].Graph()
		learnedXVar := scope.VariableWithShape("learnedX", trueX.Shape())
		y := RealFFT(learnedXVar.NodeValue(g))
		return []*Node{y}
	}

	theDataset, err := dataset.InMemoryFromData(backend, "dataset", []any{trueX}, []any{trueY})
	require.NoError(t, err)
	theDataset.BatchSize(1, false).Infinite(true)
	trainer := train.NewTrainer(
		backend, store, modelFn,
		loss.MeanAbsoluteError,
		optimizer.Adam().Done(),
		nil, nil) // trainMetrics, evalMetrics
	loop := train.NewLoop(trainer)
	commandline.AttachProgressBar(loop)            // Attaches a progress bar to the loop.
	metrics, err := loop.RunSteps(theDataset, 800) // Typically we get a loss of ~0.01
	require.NoError(t, err)
	require.Greater(t, len(metrics), 0)
	theLoss := metrics[0].Value().(float32)
	fmt.Println(theLoss)
	assert.Lessf(t, theLoss, float32(0.1),
		"Optimizing using gradient descent on RealFFT should have approached an inverse to "+
			"an mean absolute error < 0.1, got %f instead", theLoss)
}

// TestGradientInverseRealFFT tests it by checking that by gradient-descent we can
// invert InverseRealFFT (so effectively we do a RealFFT).
//
// This works similar to TestGradientRealFFT, but inverts what we are predicting:
// we are trying to learn the FFT value that generates the sinusoidal curve.
func TestGradientInverseRealFFT(t *testing.T) {
	backend := testutil.BuildTestBackend()
	if !backend.Capabilities().Operations[compute.OpTypeFFT] {
		t.Skipf("Backend %q does not support FFT", backend.Name())
	}
	// We revert the x/y of realFftExample: trueX is the fft, a complex tensor, and trueY is the real sinusoidal curve.
	trueY, trueX := realFftExample(backend, dtypes.Float64, 10, 2)
	store := model.NewStore()
	store.SetParam(optimizer.ParamLearningRate, 10.0)
	store.SetRNGStateFromSeed(42) // Make it deterministic.
	modelFn := func(scope *model.Scope, spec any, inputs []*Node) []*Node {
		g := inputs[0].Graph()
		scope = scope.WithInitializer(initializer.Zero)
		learnedXVar := scope.VariableWithShape("learnedX", trueX.Shape())
		y := InverseRealFFT(learnedXVar.NodeValue(g))
		return []*Node{y}
	}

	theDataset, err := dataset.InMemoryFromData(backend, "dataset", []any{trueX}, []any{trueY})
	require.NoError(t, err)
	theDataset.BatchSize(1, false).Infinite(true)
	trainer := train.NewTrainer(
		backend, store, modelFn,
		loss.MeanAbsoluteError,
		optimizer.StochasticGradientDescent(),
		nil, nil) // trainMetrics, evalMetrics
	loop := train.NewLoop(trainer)
	commandline.AttachProgressBar(loop)            // Attaches a progress bar to the loop.
	metrics, err := loop.RunSteps(theDataset, 100) // Typically we get a loss of ~0.01
	require.NoError(t, err)
	theLoss := metrics[0].Value().(float64)
	fmt.Println("\tLoss:", theLoss)
	assert.Lessf(t, theLoss, 0.1,
		"Optimizing using gradient descent on InverseRealFFT should have approached the original curve to "+
			"an mean absolute error < 0.1, got %f instead", theLoss)
}
