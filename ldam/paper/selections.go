package paper

// A Selection is the part of a table that a figure of the paper, or a notebook's table, shows:
// some of the table's rows (methods) in one of its columns (settings).
type Selection struct {
	Table   string
	Methods []string
	Column  string
}

// The selections the notebooks draw and tabulate.
var (
	// Fig2 is Fig. 2's per-class errors: LDAM-DRW against the class-balanced baselines on
	// CIFAR-10, step imbalance ρ = 100 (μ = 0.5).
	Fig2 = Selection{Table: "table2", Methods: []string{"LDAM-DRW", "CB RS", "CB RW"}, Column: "C10 step 100"}
	// Fig3 is Fig. 3's learning curves: the same methods on CIFAR-10-LT, ρ = 100.
	Fig3 = Selection{Table: "table2", Methods: []string{"LDAM-DRW", "CB RS", "CB RW"}, Column: "C10 LT 100"}
	// Fig6 is Fig. 6's linear probes: first-stage backbones of ERM, re-sampling and re-weighting
	// (the official code's class-balanced rules) on CIFAR-10, step ρ = 100.
	Fig6 = Selection{Table: "table2", Methods: []string{"ERM", "CB RS", "CB RW"}, Column: "C10 step 100"}
	// Table1Mean is Table 1 (IMDB): every row; one run gives every column, read by its mean.
	Table1Mean = Selection{Table: "table1", Methods: []string{"ERM", "RS", "RW", "LDAM-DRW"}, Column: "mean"}
	// Table4LT100 is Table 4 (Tiny ImageNet): every row, long-tailed ρ = 100, top-1.
	Table4LT100 = Selection{Table: "table4", Methods: []string{"ERM", "CB SM", "ERM-DRW", "LDAM", "LDAM-DRW"}, Column: "LT 100 top-1"}
	// Table6LT100a is Table 6 (imbalanced test sets): every row, CIFAR-10-LT ρ = 100 with the
	// first test permutation.
	Table6LT100a = Selection{Table: "table6", Methods: []string{"ERM", "CB RW", "LDAM-DRW"}, Column: "LT 100 seed a"}
)
