// Command ceiling measures what Cassandra alone sustains for the writes of one direct
// message, from a client that costs almost nothing (Go, gocql, token-aware), so that the
// service's own send_dm figure can be read against the store's ceiling on the same machine.
//
// Each operation is what the service writes for the first direct message between two
// users (see chat_service/services/messaging.py; among 1,000 users picked at random nearly
// every send is a first): a logged batch with the conversation's copy, both participants'
// copies, both participants' activity, the sender's two read markers and the rows that
// create the direct conversation, then a counter batch with the three bucket counters.
// Other modes isolate a part of it.
//
//	go run ./bench/ceiling -keyspace chat_bench -mode send -concurrency 64 -duration 10s
//
// It prints one JSON object: throughput and latency percentiles.
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

func copies(s *gocql.Session, kind gocql.BatchType, m message) *gocql.Batch {
	b := s.NewBatch(kind)
	b.Query(insertConversation, m.bucket, m.id, m.conversation, m.sender, m.recipient, content)
	for _, owner := range []string{m.sender, m.recipient} {
		b.Query(insertUser, m.bucket, owner, m.id, m.conversation, m.sender, m.recipient, content)
	}
	b.Query(activity, m.atMicros, m.id, m.sender, m.conversation)
	b.Query(readUser, m.atMicros, m.id, m.sender, m.conversation)
	b.Query(readMember, m.atMicros, m.id, m.conversation, m.sender)
	b.Query(activity, m.atMicros, m.id, m.recipient, m.conversation)
	firstWins := firstWinsBase - m.atMicros
	created := time.UnixMicro(m.atMicros)
	b.Query(insertDirect, m.conversation, m.sender, created, firstWins)
	for _, pair := range [][2]string{{m.sender, m.recipient}, {m.recipient, m.sender}} {
		b.Query(insertDirectMember, m.conversation, pair[0], created, firstWins)
		b.Query(insertDirectRow, pair[0], m.conversation, pair[1], created, firstWins)
	}
	return b
}

func counters(s *gocql.Session, m message) *gocql.Batch {
	b := s.NewBatch(gocql.CounterBatch)
	b.Query(countConversation, m.conversation, m.bucket)
	b.Query(countUser, m.sender, m.bucket)
	b.Query(countUser, m.recipient, m.bucket)
	return b
}

// operations: what one operation of each mode writes.
var operations = map[string]func(*gocql.Session, message) error{
	"send": func(s *gocql.Session, m message) error {
		if err := s.ExecuteBatch(copies(s, gocql.LoggedBatch, m)); err != nil {
			return err
		}
		return s.ExecuteBatch(counters(s, m))
	},
	"logged": func(s *gocql.Session, m message) error {
		return s.ExecuteBatch(copies(s, gocql.LoggedBatch, m))
	},
	"unlogged": func(s *gocql.Session, m message) error {
		return s.ExecuteBatch(copies(s, gocql.UnloggedBatch, m))
	},
	"counters": func(s *gocql.Session, m message) error {
		return s.ExecuteBatch(counters(s, m))
	},
}

func main() {
	host := flag.String("host", "127.0.0.1", "a Cassandra node")
	port := flag.Int("port", 9042, "its CQL port")
	keyspace := flag.String("keyspace", "chat_bench", "a keyspace migrated by chat-service")
	mode := flag.String("mode", "send", "send | logged | unlogged | counters")
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
	})
}
