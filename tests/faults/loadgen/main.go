// Command loadgen offers direct sends to one chat-service process and prints what it saw
// as JSON. The overload fault test drives it (tests/faults/load.py): written in Go, it
// costs the two shared cores a fraction of what an aiohttp client does, so the latencies
// it measures are the service's rather than the generator's own event-loop lag.
//
// The plan comes on standard input. "closed": Concurrency senders, each sending again as
// soon as answered (pausing 10 ms after a refusal, which is answered at once). "open":
// Rate sends a second at fixed instants whatever the answers, each timed from its instant,
// so a stall of the service shows in the latencies instead of slowing the load.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"sync"
	"time"
)

type sender struct {
	Token     string `json:"token"`
	Recipient string `json:"recipient"`
}

type plan struct {
	URL         string   `json:"url"`
	Mode        string   `json:"mode"`
	Concurrency int      `json:"concurrency"`
	Rate        float64  `json:"rate"`
	DurationS   float64  `json:"duration_s"`
	Senders     []sender `json:"senders"`
}

type outcome struct {
	mu         sync.Mutex
	Statuses   map[int]int    `json:"statuses"`
	AdmittedMs []float64      `json:"admitted_ms"`
	Refusals   map[string]int `json:"refusals"` // "Retry-After code" -> count
}

type refusal struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

func send(client *http.Client, p *plan, out *outcome, since time.Time) int {
	s := p.Senders[rand.Intn(len(p.Senders))]
	body, _ := json.Marshal(map[string]string{"recipient": s.Recipient, "content": "under load"})
	req, _ := http.NewRequest("POST", p.URL+"/api/v1/messages/send", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	status, key := 0, ""
	if err == nil {
		answer, readErr := io.ReadAll(resp.Body)
		resp.Body.Close()
		status = resp.StatusCode
		if readErr != nil {
			status = 0
		} else if status == 503 {
			var r refusal
			_ = json.Unmarshal(answer, &r)
			key = resp.Header.Get("Retry-After") + " " + r.Error.Code
		}
	}
	elapsed := float64(time.Since(since).Microseconds()) / 1000
	out.mu.Lock()
	defer out.mu.Unlock()
	out.Statuses[status]++
	if status == 201 {
		out.AdmittedMs = append(out.AdmittedMs, elapsed)
	} else if status == 503 {
		out.Refusals[key]++
	}
	return status
}

func main() {
	var p plan
	if err := json.NewDecoder(os.Stdin).Decode(&p); err != nil || len(p.Senders) == 0 {
		fmt.Fprintln(os.Stderr, "loadgen: a JSON plan with senders is expected on stdin:", err)
		os.Exit(2)
	}
	client := &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: 0, MaxIdleConnsPerHost: 4096},
	}
	out := &outcome{Statuses: map[int]int{}, Refusals: map[string]int{}}
	duration := time.Duration(p.DurationS * float64(time.Second))
	start := time.Now()
	var wg sync.WaitGroup
	switch p.Mode {
	case "closed":
		for i := 0; i < p.Concurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Since(start) < duration {
					if send(client, &p, out, time.Now()) == 503 {
						time.Sleep(10 * time.Millisecond)
					}
				}
			}()
		}
	case "open":
		for n := 0; ; n++ {
			scheduled := start.Add(time.Duration(float64(n) / p.Rate * float64(time.Second)))
			if scheduled.Sub(start) >= duration {
				break
			}
			time.Sleep(time.Until(scheduled))
			wg.Add(1)
			go func() {
				defer wg.Done()
				send(client, &p, out, scheduled)
			}()
		}
	default:
		fmt.Fprintln(os.Stderr, "loadgen: mode is closed or open, not", p.Mode)
		os.Exit(2)
	}
	wg.Wait()
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}
