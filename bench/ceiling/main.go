// Command ceiling measures what Cassandra alone sustains for the writes of one direct
// message, from a client that costs almost nothing (Go, gocql, token-aware), so that the
// service's own send_dm figure can be read against the store's ceiling on the same machine.
//
// Each operation is what the service writes for the first direct message between two
// users (see chat_service/repos/messages.py; among 1,000 users picked at random nearly
// every send is a first): mode "send", one logged batch with the conversation's copy,
// both participants' copies, the sender's activity and read marker (one statement), the
// recipient's activity, the sender's member-row read marker, the rows that create the
// direct conversation and the change-log row, then the message's search terms (3 scopes
// x 11 terms, in ten partitions per scope as in search_terms, one unlogged batch per scope).
// "send_wide" is the same with the terms of a scope in one partition (search_postings,
// migration 0011), one batch for all scopes: what the service writes now. Other modes are
// the earlier write ("send_counters": two statements for the sender's list row and the
// counter batch after it) and its parts, so that each piece's cost can be read off
// (docs/data-model.md).
//
//	go run ./bench/ceiling -keyspace chat_bench -mode send -concurrency 64 -duration 10s
//
// It prints one JSON object: throughput and latency percentiles, and with -cassandra-pid
// the CPU Cassandra spent per operation (from /proc, around the measured run).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocql/gocql"
)

const (
	insertConversation = `INSERT INTO messages_by_conversation (bucket, message_id, conversation_id,
		kind, sender, recipient, content) VALUES (?, ?, ?, 'message', ?, ?, ?)`
	insertUser = `INSERT INTO messages_by_user (bucket, username, message_id, conversation_id,
		kind, sender, recipient, content) VALUES (?, ?, ?, ?, 'message', ?, ?, ?)`
	activity = `UPDATE conversations_by_user USING TIMESTAMP ? SET last_activity_id = ?
		WHERE username = ? AND conversation_id = ?`
	sent = `UPDATE conversations_by_user USING TIMESTAMP ? SET last_activity_id = ?,
		last_read_message_id = ? WHERE username = ? AND conversation_id = ?`
	changeLog = `INSERT INTO change_log (stream, bucket, change_id, payload) VALUES (?, ?, ?, ?)
		USING TTL 691200`
	searchTerm = `INSERT INTO search_terms (scope, time_window, prefix, term, message_id)
		VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`
	// searchPosting: the same rows with every term of a scope's window in one partition.
	searchPosting = `INSERT INTO search_postings (scope, time_window, term, message_id)
		VALUES (?, ?, ?, ?) USING TIMESTAMP ?`
	readUser = `UPDATE conversations_by_user USING TIMESTAMP ? SET last_read_message_id = ?
		WHERE username = ? AND conversation_id = ?`
	readMember = `UPDATE conversation_members USING TIMESTAMP ? SET last_read_message_id = ?
		WHERE conversation_id = ? AND username = ?`
	insertDirect = `INSERT INTO conversations (conversation_id, type, created_by, is_private,
		created_at) VALUES (?, 'direct', ?, true, ?) USING TIMESTAMP ?`
	insertDirectMember = `INSERT INTO conversation_members (conversation_id, username, role,
		joined_at) VALUES (?, ?, 'member', ?) USING TIMESTAMP ?`
	insertDirectRow = `INSERT INTO conversations_by_user (username, conversation_id, type, peer,
		joined_at) VALUES (?, ?, 'direct', ?, ?) USING TIMESTAMP ?`
	countConversation = `UPDATE conversation_bucket_counts SET messages = messages + 1
		WHERE conversation_id = ? AND bucket = ?`
	countUser = `UPDATE user_bucket_counts SET messages = messages + 1
		WHERE username = ? AND bucket = ?`
)

type message struct {
	id           gocql.UUID
	conversation gocql.UUID
	sender       string
	recipient    string
	bucket       int
	atMicros     int64
}

func newMessage(users int) message {
	a, b := rand.Intn(users), rand.Intn(users-1)
	if b >= a {
		b++
	}
	now := time.Now()
	sender, recipient := fmt.Sprintf("ceiling%04d", a), fmt.Sprintf("ceiling%04d", b)
	first, second := sender, recipient
	if first > second {
		first, second = second, first
	}
	return message{
		id:           gocql.UUIDFromTime(now),
		conversation: gocql.UUID(uuidFromName(first + ":" + second)),
		sender:       sender,
		recipient:    recipient,
		bucket:       int(now.Unix() / 86400),
		atMicros:     now.UnixMicro(),
	}
}

// uuidFromName is a stable id per pair of users (not RFC 4122; Cassandra stores any uuid).
func uuidFromName(name string) [16]byte {
	var id [16]byte
	for i, c := range []byte(name) {
		id[i%16] = id[i%16]*31 + c
	}
	id[6] = id[6]&0x0f | 0x40
	id[8] = id[8]&0x3f | 0x80
	return id
}

// firstWinsBase minus the creation time is the write timestamp of the rows that create a
// direct conversation: the earliest creator's rows carry the highest timestamp and win.
const firstWinsBase = int64(1) << 62

const content = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

// payload stands for an encoded message.created event (~0.4 KB).
var payload = make([]byte, 400)

// terms stand for a message's search terms: 11, in 10 partitions (two share a prefix).
var terms = []string{"al", "alpha", "br", "co", "de", "ec", "fo", "go", "ho", "in", "ju"}

// shape says what one message's write holds.
type shape struct {
	foldSent bool // the sender's activity and read marker in one statement
	direct   bool // the rows that create the direct conversation (a first message)
	change   bool // the change-log row
}

func copies(s *gocql.Session, kind gocql.BatchType, m message, w shape) *gocql.Batch {
	b := s.NewBatch(kind)
	b.Query(insertConversation, m.bucket, m.id, m.conversation, m.sender, m.recipient, content)
	for _, owner := range []string{m.sender, m.recipient} {
		b.Query(insertUser, m.bucket, owner, m.id, m.conversation, m.sender, m.recipient, content)
	}
	if w.foldSent {
		b.Query(sent, m.atMicros, m.id, m.id, m.sender, m.conversation)
	} else {
		b.Query(activity, m.atMicros, m.id, m.sender, m.conversation)
		b.Query(readUser, m.atMicros, m.id, m.sender, m.conversation)
	}
	b.Query(readMember, m.atMicros, m.id, m.conversation, m.sender)
	b.Query(activity, m.atMicros, m.id, m.recipient, m.conversation)
	if w.direct {
		firstWins := firstWinsBase - m.atMicros
		created := time.UnixMicro(m.atMicros)
		b.Query(insertDirect, m.conversation, m.sender, created, firstWins)
		for _, pair := range [][2]string{{m.sender, m.recipient}, {m.recipient, m.sender}} {
			b.Query(insertDirectMember, m.conversation, pair[0], created, firstWins)
			b.Query(insertDirectRow, pair[0], m.conversation, pair[1], created, firstWins)
		}
	}
	if w.change {
		b.Query(changeLog, "c:"+m.conversation.String(), m.bucket, gocql.TimeUUID(), payload)
	}
	return b
}

func scopes(m message) []string {
	return []string{"c:" + m.conversation.String(), "u:" + m.sender, "u:" + m.recipient}
}

// batchPerScope sends one unlogged batch per scope of m at once, each holding the rows add
// puts in it, and returns the last error.
func batchPerScope(s *gocql.Session, m message, add func(b *gocql.Batch, scope string)) error {
	errs := make(chan error, len(scopes(m)))
	for _, scope := range scopes(m) {
		go func(scope string) {
			b := s.NewBatch(gocql.UnloggedBatch)
			add(b, scope)
			errs <- s.ExecuteBatch(b)
		}(scope)
	}
	var err error
	for range scopes(m) {
		if e := <-errs; e != nil {
			err = e
		}
	}
	return err
}

// searchBatches: the message's terms, one unlogged batch per scope (the write before 0011).
func searchBatches(s *gocql.Session, m message) error {
	window := m.bucket / 7
	return batchPerScope(s, m, func(b *gocql.Batch, scope string) {
		for _, term := range terms {
			b.Query(searchTerm, scope, window, term[:2], term, m.id, m.atMicros)
		}
	})
}

// searchWide: the same rows, one partition per scope (search_postings), one request.
func searchWide(s *gocql.Session, m message) error {
	window := m.bucket / 7
	b := s.NewBatch(gocql.UnloggedBatch)
	for _, scope := range scopes(m) {
		for _, term := range terms {
			b.Query(searchPosting, scope, window, term, m.id, m.atMicros)
		}
	}
	return s.ExecuteBatch(b)
}

// searchWidePerScope: search_postings, one single-partition batch per scope, at once
// (Cassandra never warns about the size of a batch of one partition).
func searchWidePerScope(s *gocql.Session, m message) error {
	window := m.bucket / 7
	return batchPerScope(s, m, func(b *gocql.Batch, scope string) {
		for _, term := range terms {
			b.Query(searchPosting, scope, window, term, m.id, m.atMicros)
		}
	})
}

// searchSingles: the same rows, one statement per partition at once (the earlier write).
func searchSingles(s *gocql.Session, m message) error {
	window := m.bucket / 7
	byPartition := map[string][]string{}
	for _, term := range terms {
		byPartition[term[:2]] = append(byPartition[term[:2]], term)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var err error
	for _, scope := range scopes(m) {
		for prefix, group := range byPartition {
			wg.Add(1)
			go func(scope, prefix string, group []string) {
				defer wg.Done()
				var e error
				if len(group) == 1 {
					e = s.Query(searchTerm, scope, window, prefix, group[0], m.id, m.atMicros).Exec()
				} else {
					b := s.NewBatch(gocql.UnloggedBatch)
					for _, term := range group {
						b.Query(searchTerm, scope, window, prefix, term, m.id, m.atMicros)
					}
					e = s.ExecuteBatch(b)
				}
				if e != nil {
					mu.Lock()
					err = e
					mu.Unlock()
				}
			}(scope, prefix, group)
		}
	}
	wg.Wait()
	return err
}

func counters(s *gocql.Session, m message) *gocql.Batch {
	b := s.NewBatch(gocql.CounterBatch)
	b.Query(countConversation, m.conversation, m.bucket)
	b.Query(countUser, m.sender, m.bucket)
	b.Query(countUser, m.recipient, m.bucket)
	return b
}

// operations: what one operation of each mode writes.
var (
	before = shape{direct: true, change: true}
	after  = shape{foldSent: true, direct: true, change: true}
)

var operations = map[string]func(*gocql.Session, message) error{
	// The whole write of one direct message, now and before.
	"send": func(s *gocql.Session, m message) error {
		if err := s.ExecuteBatch(copies(s, gocql.LoggedBatch, m, after)); err != nil {
			return err
		}
		return searchBatches(s, m)
	},
	"send_counters": func(s *gocql.Session, m message) error {
		if err := s.ExecuteBatch(copies(s, gocql.LoggedBatch, m, before)); err != nil {
			return err
		}
		if err := s.ExecuteBatch(counters(s, m)); err != nil {
			return err
		}
		return searchSingles(s, m)
	},
	// Its parts.
	"logged": func(s *gocql.Session, m message) error { // 12 statements, the first message
		return s.ExecuteBatch(copies(s, gocql.LoggedBatch, m, after))
	},
	"logged_known": func(s *gocql.Session, m message) error { // 7: a pair that has talked
		return s.ExecuteBatch(copies(s, gocql.LoggedBatch, m, shape{foldSent: true, change: true}))
	},
	"logged_unfolded": func(s *gocql.Session, m message) error { // 13: before the fold
		return s.ExecuteBatch(copies(s, gocql.LoggedBatch, m, before))
	},
	"unlogged": func(s *gocql.Session, m message) error {
		return s.ExecuteBatch(copies(s, gocql.UnloggedBatch, m, after))
	},
	"counters": func(s *gocql.Session, m message) error {
		return s.ExecuteBatch(counters(s, m))
	},
	"search_batches": searchBatches,
	"search_singles": searchSingles,
	"search_wide":    searchWide,
	"search_wide3":   searchWidePerScope,
	"send_wide": func(s *gocql.Session, m message) error {
		if err := s.ExecuteBatch(copies(s, gocql.LoggedBatch, m, after)); err != nil {
			return err
		}
		return searchWide(s, m)
	},
}

func main() {
	host := flag.String("host", "127.0.0.1", "a Cassandra node")
	port := flag.Int("port", 9042, "its CQL port")
	keyspace := flag.String("keyspace", "chat_bench", "a keyspace migrated by chat-service")
	mode := flag.String("mode", "send_wide", "send_wide | send | send_counters | logged | "+
		"logged_known | logged_unfolded | unlogged | counters | search_wide | search_wide3 | "+
		"search_batches | search_singles")
	cassandraPid := flag.Int("cassandra-pid", 0, "Cassandra's process id: report its CPU per operation")
	concurrency := flag.Int("concurrency", 64, "operations in flight (closed loop)")
	rate := flag.Float64("rate", 0, "operations per second (open loop; 0: closed loop)")
	duration := flag.Duration("duration", 10*time.Second, "how long to run")
	users := flag.Int("users", 1000, "distinct users messaging each other")
	flag.Parse()
	operation, ok := operations[*mode]
	if !ok {
		log.Fatalf("unknown mode %q", *mode)
	}

	cluster := gocql.NewCluster(*host)
	cluster.Port = *port
	cluster.Keyspace = *keyspace
	cluster.Consistency = gocql.LocalQuorum
	cluster.Timeout = 10 * time.Second
	cluster.NumConns = 2
	cluster.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	session, err := cluster.CreateSession()
	if err != nil {
		log.Fatal(err)
	}
	defer session.Close()

	var (
		mu        sync.Mutex
		latencies []float64
		errors    int
		wg        sync.WaitGroup
	)
	record := func(scheduled time.Time, err error) {
		elapsed := float64(time.Since(scheduled).Microseconds()) / 1000
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errors++
		} else {
			latencies = append(latencies, elapsed)
		}
	}
	cpuBefore := processCPU(*cassandraPid)
	started := time.Now()
	stopAt := started.Add(*duration)
	if *rate > 0 {
		// Open loop: operation n is due at started + n/rate and is timed from then, so a
		// stall shows in the tail (no coordinated omission).
		for n := 0; ; n++ {
			due := started.Add(time.Duration(float64(n) / *rate * float64(time.Second)))
			if due.After(stopAt) {
				break
			}
			time.Sleep(time.Until(due))
			wg.Add(1)
			go func() {
				defer wg.Done()
				record(due, operation(session, newMessage(*users)))
			}()
		}
	} else {
		for w := 0; w < *concurrency; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stopAt) {
					begin := time.Now()
					record(begin, operation(session, newMessage(*users)))
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(started).Seconds()
	cassandraCPU := processCPU(*cassandraPid) - cpuBefore
	sort.Float64s(latencies)
	pct := func(q float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return math.Round(latencies[min(len(latencies)-1, int(q*float64(len(latencies))))]*100) / 100
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{
		"mode":             *mode,
		"throughput_per_s": math.Round(float64(len(latencies))/elapsed*10) / 10,
		"p50_ms":           pct(0.50),
		"p95_ms":           pct(0.95),
		"p99_ms":           pct(0.99),
		"errors":           errors,
		"concurrency":      *concurrency,
		"rate":             *rate,
		"duration_s":       math.Round(elapsed*10) / 10,
		"cassandra_cpu_ms_per_op": func() float64 {
			if *cassandraPid == 0 || len(latencies) == 0 {
				return 0
			}
			return math.Round(cassandraCPU/float64(len(latencies))*1000) / 1000
		}(),
	})
}

// processCPU is the CPU time (user + system, ms) process pid has used; 0 without a pid.
func processCPU(pid int) float64 {
	if pid == 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		log.Fatal(err)
	}
	// Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+1:]))
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) * 1000 / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc's CPU times (100 on Linux).
const clockTicks = 100
