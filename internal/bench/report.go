package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteJSON writes the report as indented JSON, for scripts.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as one table, a row per workload, then the
// errors by kind; with steps, each workload's calls by step as well.
func (r *Report) WriteTable(w io.Writer, steps bool) error {
	measured := fmt.Sprintf("%gs", r.DurationS)
	if r.OpsPerVU > 0 {
		measured = fmt.Sprintf("%d operations each", r.OpsPerVU)
	}
	paced := ""
	if r.Rate > 0 {
		paced = fmt.Sprintf(" starting %g operations/s in all (latency from the scheduled start)", r.Rate)
	}
	fmt.Fprintf(w, "%d virtual users%s, %s measured after %gs warm-up, against %s\n\n",
		r.Concurrency, paced, measured, r.WarmupS, strings.Join(r.URLs, " "))
	server := false
	for _, res := range r.Results {
		server = server || res.Server != nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "workload\tops\tops/s\top p50\tp95\tp99\tcall p50\tp95\tp99\tcalls/op\terrors\t"
	if server {
		head += "server cpu\trss peak\t"
	}
	fmt.Fprintln(tw, head)
	for _, res := range r.Results {
		row := fmt.Sprintf("%s\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%d\t", res.Workload, res.Ops, res.OpsPerSec,
			msText(res.Latency.P50), msText(res.Latency.P95), msText(res.Latency.P99),
			msText(res.CallLatency.P50), msText(res.CallLatency.P95), msText(res.CallLatency.P99),
			res.CallsPerOp, res.FailedOps)
		if server {
			switch s := res.Server; {
			case s == nil:
				row += "\t\t"
			case s.Error != "":
				row += "?\t?\t"
			default:
				row += fmt.Sprintf("%.0f%%\t%.1f MB\t", s.CPUPercent, s.PeakRSSMB)
			}
		}
		fmt.Fprintln(tw, row)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range r.Results {
		notes(w, res)
	}
	if steps {
		for _, res := range r.Results {
			writeSteps(w, res)
		}
	}
	return nil
}

// notes are the lines under the table: errors by kind, and what a figure
// needs said.
func notes(w io.Writer, res Result) {
	if res.Note != "" {
		fmt.Fprintf(w, "  %s: %s\n", res.Workload, res.Note)
	}
	for _, e := range res.Errors {
		fmt.Fprintf(w, "  %s: %d × %s", res.Workload, e.Count, e.Kind)
		if e.Example != "" {
			fmt.Fprintf(w, " (%.160s)", e.Example)
		}
		fmt.Fprintln(w)
	}
	if res.UntimedCalls > 0 {
		fmt.Fprintf(w, "  %s: %d consents revoked in the app between logins (untimed), so that every login shows the consent page\n", res.Workload, res.UntimedCalls)
	}
	if l := res.PollLag; l != nil {
		fmt.Fprintf(w, "  %s: polls came %s late at p50, %s at p99", res.Workload, msText(l.P50), msText(l.P99))
		if l.P50 > 100 {
			fmt.Fprint(w, ": the polls fell behind --pending over the interval, so the server (or too low a --concurrency) is the bound")
		}
		fmt.Fprintln(w)
	}
	if p := res.Pacing; p != nil {
		// A timer's wake-up makes a start come a little after its slot even
		// when a virtual user was free; the latencies include that too.
		fmt.Fprintf(w, "  %s: the starts at %g/s came %s after their slots at p50, %s at p99 (in the latencies)",
			res.Workload, p.Rate, msText(p.StartLag.P50), msText(p.StartLag.P99))
		if p.Late > 0 {
			fmt.Fprintf(w, "; %d of %d over %v late", p.Late, res.Ops+res.FailedOps, lateStart)
		}
		if p.Busy > 0 {
			fmt.Fprintf(w, ", %d with every virtual user busy (the server fell behind, or --concurrency is too low)", p.Busy)
		}
		if woke := p.Late - p.Busy; woke > 0 {
			fmt.Fprintf(w, ", %d by a virtual user that woke late (the tool was short of CPU)", woke)
		}
		fmt.Fprintln(w)
	}
	if s := res.Server; s != nil && s.Error != "" {
		fmt.Fprintf(w, "  %s: server usage unknown: %s\n", res.Workload, s.Error)
	} else if s != nil {
		fmt.Fprintf(w, "  %s: server pid %d used %.2f s of CPU (%.0f%% of one core), RSS peak %.1f MB, lifetime high-water mark %.1f MB\n",
			res.Workload, s.PID, s.CPUSeconds, s.CPUPercent, s.PeakRSSMB, s.HWMMB)
	}
}

func writeSteps(w io.Writer, res Result) {
	fmt.Fprintf(w, "\n%s, by call:\n", res.Workload)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "step\tcalls\tp50\tp95\tp99\tmax\t")
	for _, s := range res.Steps {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", s.Step, s.Calls, msText(s.Latency.P50), msText(s.Latency.P95), msText(s.Latency.P99), msText(s.Latency.Max))
	}
	tw.Flush()
}

// msText shows milliseconds with three significant digits or so.
func msText(ms float64) string {
	switch {
	case ms == 0:
		return "-"
	case ms < 10:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1fms", ms)
	}
	return fmt.Sprintf("%.0fms", ms)
}
