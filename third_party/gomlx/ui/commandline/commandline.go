// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

// Package commandline contains convenience UI training tools for the command line.
package commandline

import (
	"fmt"
	"time"

	"github.com/gomlx/compute/support/humanize"
	"github.com/gomlx/gomlx/ml/train"
)

// ReportEval reports on the command line the results of evaluating the datasets using trainer.Eval.
func ReportEval(trainer *train.Trainer, datasets ...train.Dataset) error {
	for _, ds := range datasets {
		fmt.Printf("Results on %s:\n", ds.Name())
		metricsValues, err := trainer.Eval(ds)
		if err != nil {
			return err
		}
		for metricIdx, metric := range trainer.EvalMetrics() {
			value := metricsValues[metricIdx]
			fmt.Printf("\t%s (%s): %s\n", metric.Name(), metric.ShortName(), metric.PrettyPrint(value))
		}
	}
	return nil
}

// FormatDuration pretty prints a duration (without a long list of decimal points).
func FormatDuration(d time.Duration) string {
	return humanize.Duration(d)
}
