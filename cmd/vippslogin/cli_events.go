package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/vippslogin/vippslogin/internal/admin"
)

// followInterval is how often client events --follow asks for new events;
// tests shorten it.
var followInterval = 2 * time.Second

// clientEvents is "client events": a client's integration debugger, read
// by a person. Without --follow it prints the newest events first; with
// it, the same events oldest first and then each new one below them as it
// comes, like tail -f, until interrupted.
func clientEvents(fs *flag.FlagSet) adminRun {
	follow := fs.Bool("follow", false, "keep printing new events as they come, until interrupted (Ctrl-C)")
	outcome := fs.String("outcome", "", "only events with this `outcome`: success or failure")
	flowName := fs.String("flow", "", "only events of this `flow`: browser, ciba, qr, token or consent")
	limit := fs.Int("limit", 20, fmt.Sprintf("how many of the newest events to print, 1 to %d", admin.MaxEventLimit))
	return func(ctx context.Context, c *admin.Client, args []string, w io.Writer) error {
		id := args[0]
		if *limit < 1 || *limit > admin.MaxEventLimit {
			return usagef("--limit must be from 1 to %d", admin.MaxEventLimit)
		}
		q := admin.EventQuery{Limit: *limit, Outcome: *outcome, Flow: *flowName}
		page, err := c.ListEvents(ctx, id, q)
		if err != nil {
			return err
		}
		events := page.Events
		if !*follow {
			if len(events) == 0 {
				fmt.Fprintf(w, "No events for client %s.\n", id)
			}
			printEvents(w, events)
			return nil
		}
		slices.Reverse(events)
		printEvents(w, events)
		newest := ""
		if n := len(events); n > 0 {
			newest = events[n-1].ID
		}
		t := time.NewTicker(followInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
			fresh, err := eventsAfter(ctx, c, id, q, newest)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				return err
			}
			if n := len(fresh); n > 0 {
				printEvents(w, fresh)
				newest = fresh[n-1].ID
			}
		}
	}
}

// eventsAfter returns the events newer than the ID after (all of them
// when after is ""), oldest first, paging back until it reaches after.
func eventsAfter(ctx context.Context, c *admin.Client, id string, q admin.EventQuery, after string) ([]admin.EventResponse, error) {
	q.Limit = admin.MaxEventLimit
	var fresh []admin.EventResponse
	for {
		page, err := c.ListEvents(ctx, id, q)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Events {
			if e.ID <= after {
				slices.Reverse(fresh)
				return fresh, nil
			}
			fresh = append(fresh, e)
		}
		if page.NextCursor == "" || after == "" {
			slices.Reverse(fresh)
			return fresh, nil
		}
		q.Cursor = page.NextCursor
	}
}

// printEvents writes each event as a line of its time, flow, step,
// outcome and error, and its explanation indented below.
func printEvents(w io.Writer, events []admin.EventResponse) {
	for _, e := range events {
		line := fmt.Sprintf("%s  %-7s  %-9s  %-7s", e.Time.UTC().Format("2006-01-02 15:04:05Z"), e.Flow, e.Step, e.Outcome)
		if e.Error != "" {
			line += "  " + e.Error
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
		if e.Explanation != "" {
			fmt.Fprintf(w, "    %s\n", e.Explanation)
		}
	}
}
