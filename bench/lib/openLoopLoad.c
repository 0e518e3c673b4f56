/*
 * rest-read's fixed-rate (open-loop) load generator: GET /v1/accounts/<prefix><n>/balance with a
 * random n, RATE requests per second for DURATION seconds, over CONNECTIONS keep-alive
 * HTTP/1.1 connections to 127.0.0.1:PORT (one request in flight per connection).
 *
 * Why not wrk: wrk is closed loop (a connection sends its next request only after the answer), so
 * a slow answer delays the requests behind it and they are never timed from when they were due
 * (coordinated omission). Here request k is due at start + k / RATE whatever the server does; a
 * request that finds no free connection waits in this process, and every latency is measured from
 * the request's due time, not from its send: a stall shows in every request it delays.
 * (wrk2 and vegeta are not Debian 12 packages; h2load's --rps: see bench/README.md.)
 *
 * Usage: openLoopLoad PORT RATE DURATION_SEC CONNECTIONS PREFIX COUNT
 * Prints one line: OPENLOOP due=.. done=.. errors=.. non2xx=.. duration_us=.. p50_us=.. ...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_BYTES 16384
/* Answers still missing this long after the last due time count as errors. */
#define DRAIN_NS 2000000000LL

typedef struct {
  int fd;
  int busy;           /* a request is in flight */
  int64_t due_ns;     /* when the request in flight was due */
  size_t filled;
  char buffer[BUFFER_BYTES];
} Connection;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static uint64_t random_state = 88172645463325252ULL;
static uint64_t next_random(void) {
  random_state ^= random_state << 13;
  random_state ^= random_state >> 7;
  random_state ^= random_state << 17;
  return random_state;
}

static int compare_int64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int connect_to(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

/* Length of a complete answer at the start of the buffer (headers + Content-Length body), or 0. */
static size_t complete_answer(const char *buffer, size_t filled) {
  const char *end = memmem(buffer, filled, "\r\n\r\n", 4);
  if (end == NULL) return 0;
  size_t headers = (size_t)(end - buffer) + 4;
  size_t body = 0;
  for (const char *line = buffer; line < end; line = strstr(line, "\r\n") + 2) {
    if (strncasecmp(line, "content-length:", 15) == 0) body = strtoul(line + 15, NULL, 10);
  }
  return filled >= headers + body ? headers + body : 0;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s PORT RATE DURATION_SEC CONNECTIONS PREFIX COUNT\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  double rate = atof(argv[2]);
  double duration_sec = atof(argv[3]);
  int connections = atoi(argv[4]);
  const char *prefix = argv[5];
  uint64_t count = strtoull(argv[6], NULL, 10);
  int64_t total = (int64_t)(rate * duration_sec);
  double interval_ns = 1e9 / rate;

  int64_t *latencies = malloc(sizeof(int64_t) * (size_t)total);
  int64_t *send_lags = malloc(sizeof(int64_t) * (size_t)total);
  Connection *pool = calloc((size_t)connections, sizeof(Connection));
  int epoll = epoll_create1(0);
  for (int c = 0; c < connections; c++) {
    pool[c].fd = connect_to(port);
    if (pool[c].fd < 0) { perror("connect"); return 1; }
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)c};
    epoll_ctl(epoll, EPOLL_CTL_ADD, pool[c].fd, &event);
  }
  /* Free connections as a stack of indexes. */
  int *idle = malloc(sizeof(int) * (size_t)connections);
  int idle_count = 0;
  for (int c = connections - 1; c >= 0; c--) idle[idle_count++] = c;

  int64_t next = 0, done = 0, errors = 0, non2xx = 0, last_answer_ns = 0;
  char request[512];
  struct epoll_event events[256];
  int64_t start_ns = now_ns() + 10000000LL; /* 10 ms to settle */
  int64_t last_due_ns = start_ns + (int64_t)((double)(total - 1) * interval_ns);

  while (done + errors < total) {
    int64_t now = now_ns();
    if (now > last_due_ns + DRAIN_NS) break;
    /* Send every request now due, while a connection is free; the rest wait (their clock runs). */
    while (next < total && idle_count > 0) {
      int64_t due = start_ns + (int64_t)((double)next * interval_ns);
      if (due > now) break;
      Connection *connection = &pool[idle[--idle_count]];
      int length = snprintf(request, sizeof request, "GET /v1/accounts/%s%llu/balance HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                            prefix, (unsigned long long)(next_random() % count));
      send_lags[next] = now - due;
      next++;
      if (write(connection->fd, request, (size_t)length) != length) { perror("write"); return 1; }
      connection->busy = 1;
      connection->due_ns = due;
    }
    int64_t wait_ns = 1000000LL;
    if (next < total && idle_count > 0) {
      int64_t due = start_ns + (int64_t)((double)next * interval_ns);
      wait_ns = due - now_ns();
      if (wait_ns < 0) wait_ns = 0;
    }
    struct timespec timeout = {.tv_sec = wait_ns / 1000000000LL, .tv_nsec = wait_ns % 1000000000LL};
    int ready = epoll_pwait2(epoll, events, 256, &timeout, NULL);
    if (ready < 0 && errno != EINTR) { perror("epoll"); return 1; }
    for (int e = 0; e < ready; e++) {
      int c = (int)events[e].data.u32;
      Connection *connection = &pool[c];
      ssize_t got = read(connection->fd, connection->buffer + connection->filled, BUFFER_BYTES - connection->filled);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        fprintf(stderr, "connection %d closed by the server\n", c);
        return 1;
      }
      connection->filled += (size_t)got;
      size_t answer = complete_answer(connection->buffer, connection->filled);
      if (answer == 0 || !connection->busy) continue;
      int64_t answered = now_ns();
      if (strncmp(connection->buffer + 9, "2", 1) != 0) non2xx++;
      latencies[done++] = answered - connection->due_ns;
      last_answer_ns = answered;
      memmove(connection->buffer, connection->buffer + answer, connection->filled - answer);
      connection->filled -= answer;
      connection->busy = 0;
      idle[idle_count++] = c;
    }
  }
  errors += total - done - errors; /* never answered within the drain time */
  qsort(latencies, (size_t)done, sizeof(int64_t), compare_int64);
  qsort(send_lags, (size_t)next, sizeof(int64_t), compare_int64);
#define PERCENTILE(array, n, p) ((n) == 0 ? 0 : (array)[(int64_t)((double)((n) - 1) * (p))] / 1000)
  printf("OPENLOOP due=%lld done=%lld errors=%lld non2xx=%lld duration_us=%lld p50_us=%lld p90_us=%lld p99_us=%lld p999_us=%lld max_us=%lld send_lag_p99_us=%lld send_lag_max_us=%lld\n",
         (long long)total, (long long)done, (long long)errors, (long long)non2xx, (long long)((last_answer_ns - start_ns) / 1000),
         (long long)PERCENTILE(latencies, done, 0.50), (long long)PERCENTILE(latencies, done, 0.90),
         (long long)PERCENTILE(latencies, done, 0.99), (long long)PERCENTILE(latencies, done, 0.999),
         (long long)(done == 0 ? 0 : latencies[done - 1] / 1000),
         (long long)PERCENTILE(send_lags, next, 0.99), (long long)(next == 0 ? 0 : send_lags[next - 1] / 1000));
  return 0;
}
