package redisserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// ErrNil is returned by Do when Redis replies with a null bulk string, as GET
// does for a missing key.
var ErrNil = errors.New("redisserver: nil reply")

// ReplyError is an error reply from Redis, such as "ERR unknown command".
type ReplyError string

func (e ReplyError) Error() string { return "redis error reply: " + string(e) }

// defaultDoTimeout bounds Do when ctx has no deadline.
const defaultDoTimeout = 5 * time.Second

// Do sends one command over a new plain connection, without client-side
// caching or pipelining, and returns the reply. It understands simple
// string, error, integer and bulk string replies, which covers SET, DEL,
// GET, PING and INFO. An error reply is a ReplyError.
func (s *Server) Do(ctx context.Context, args ...string) (string, error) {
	return do(ctx, s.Addr(), args)
}

// do implements Do for an address.
func do(ctx context.Context, addr string, args []string) (string, error) {
	if len(args) == 0 {
		return "", errors.New("send a command to redis-server: no command given")
	}
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("connect to redis-server at %s: %w", addr, err)
	}
	defer conn.Close()

	// Bound the exchange by ctx: its deadline, or its cancellation.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(defaultDoTimeout)
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if _, err := conn.Write(encodeCommand(args)); err != nil {
		return "", fmt.Errorf("send %s to redis-server at %s: %w", args[0], addr, err)
	}
	reply, err := readReply(bufio.NewReader(conn))
	if err != nil {
		return "", fmt.Errorf("read the %s reply from redis-server at %s: %w", args[0], addr, err)
	}
	return reply, nil
}

// encodeCommand returns args as a RESP array of bulk strings.
func encodeCommand(args []string) []byte {
	b := make([]byte, 0, 64)
	b = append(b, '*')
	b = strconv.AppendInt(b, int64(len(args)), 10)
	b = append(b, "\r\n"...)
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// readReply reads one RESP2 reply that is not an array.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}

	kind, rest := line[0], line[1:]
	switch kind {
	case '+', ':':
		return rest, nil
	case '-':
		return "", ReplyError(rest)
	case '$':
		return readBulk(r, rest)
	default:
		return "", fmt.Errorf("unsupported reply type %q in %q", kind, line)
	}
}

// readBulk reads the body of a bulk string whose header gave size.
func readBulk(r *bufio.Reader, size string) (string, error) {
	n, err := strconv.Atoi(size)
	if err != nil {
		return "", fmt.Errorf("invalid bulk string length %q: %w", size, err)
	}
	if n < 0 {
		return "", ErrNil
	}
	body := make([]byte, n+2)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	return string(body[:n]), nil
}
