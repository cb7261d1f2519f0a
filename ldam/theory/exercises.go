package theory

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
)

// MinimizeMargins minimizes Σ_j 1/(γ_j^a · n_j^b) over positive margins with Σ_j γ_j = β,
// numerically (gonum's BFGS on γ = β·softmax(u)), for the exercises that derive the optimal
// exponent: a = 1, b = 1/2 is Eq. 6–8 (γ_j ∝ n_j^{−1/4}); a = 2, b = 1 the fast-rate bound of
// §3.1 (γ_j ∝ n_j^{−1/3}). In general the optimum is γ_j ∝ n_j^{−b/(a+1)}.
func MinimizeMargins(counts []int, beta, a, b float64) ([]float64, error) {
	if len(counts) < 2 || !(beta > 0) || !(a > 0) {
		return nil, fmt.Errorf("theory: %d classes, β = %g, a = %g: need at least two classes, β > 0 and a > 0", len(counts), beta, a)
	}
	k := len(counts)
	gamma := func(u []float64) []float64 {
		g := make([]float64, k)
		top := floats.Max(u)
		for j, v := range u {
			g[j] = math.Exp(v - top)
		}
		floats.Scale(beta/floats.Sum(g), g)
		return g
	}
	f := func(u []float64) float64 {
		s := 0.0
		for j, g := range gamma(u) {
			s += 1 / (math.Pow(g, a) * math.Pow(float64(counts[j]), b))
		}
		return s
	}
	res, err := optimize.Minimize(optimize.Problem{Func: f, Grad: func(grad, u []float64) {
		// ∂f/∂u_i = Σ_j ∂f/∂γ_j · γ_j(δ_ij − γ_i/β)
		g := gamma(u)
		d := make([]float64, k)
		dot := 0.0
		for j := range g {
			d[j] = -a / (math.Pow(g[j], a+1) * math.Pow(float64(counts[j]), b))
			dot += d[j] * g[j]
		}
		for i := range grad {
			grad[i] = g[i] * (d[i] - dot/beta)
		}
	}}, make([]float64, k), &optimize.Settings{GradientThreshold: 1e-12, MajorIterations: 1000}, &optimize.BFGS{})
	if err != nil {
		return nil, fmt.Errorf("theory: minimizing the margin objective: %w", err)
	}
	return gamma(res.X), nil
}

// FittedExponent is the slope of log γ_j against log n_j (least squares): the exponent e of
// γ_j ∝ n_j^e that margins follow.
func FittedExponent(counts []int, gamma []float64) float64 {
	var sx, sy, sxx, sxy float64
	for j, n := range counts {
		x, y := math.Log(float64(n)), math.Log(gamma[j])
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	m := float64(len(counts))
	return (m*sxy - sx*sy) / (m*sxx - sx*sx)
}

// Angle returns the angle in degrees between two linear classifiers' directions.
func Angle(l1, l2 Linear) float64 {
	c := floats.Dot(l1.W, l2.W) / (floats.Norm(l1.W, 2) * floats.Norm(l2.W, 2))
	return 180 / math.Pi * math.Acos(max(-1, min(1, c)))
}
