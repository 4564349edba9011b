// The floor for bench/cluster: a bare NATS request/reply (libnats) of the same payload as the
// wirt remote call. `bare_rr serve URL` answers every request on bench.echo with its own
// bytes; `bare_rr request URL N BYTES PARALLEL` prints JSON: sequential round-trip p50/p99 (µs),
// sequential calls/s and calls/s with PARALLEL requesting threads. Both sides use send-asap,
// as wirt nodes do.
#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void on_request(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure) {
  (void)sub;
  (void)closure;
  natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

static int cmp(const void* a, const void* b) {
  int64_t x = *(const int64_t*)a, y = *(const int64_t*)b;
  return x < y ? -1 : x > y;
}

struct worker {
  natsConnection* nc;
  const char* payload;
  int bytes, n;
};

static void* run_worker(void* arg) {
  struct worker* w = arg;
  for (int i = 0; i < w->n; i++) {
    natsMsg* reply = NULL;
    if (natsConnection_Request(&reply, w->nc, "bench.echo", w->payload, w->bytes, 5000) != NATS_OK) {
      fprintf(stderr, "request failed\n");
      exit(1);
    }
    natsMsg_Destroy(reply);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: bare_rr serve URL | bare_rr request URL N BYTES PARALLEL\n");
    return 2;
  }
  // The same client options as a wirt node: send each message at once (no flusher-thread hop),
  // so the floor is the best libnats round trip, not its default buffered one.
  natsOptions* opts = NULL;
  natsOptions_Create(&opts);
  natsOptions_SetURL(opts, argv[2]);
  natsOptions_SetSendAsap(opts, true);
  natsConnection* nc = NULL;
  if (natsConnection_Connect(&nc, opts) != NATS_OK) {
    fprintf(stderr, "cannot connect to %s\n", argv[2]);
    return 1;
  }
  if (strcmp(argv[1], "serve") == 0) {
    natsSubscription* sub = NULL;
    natsConnection_Subscribe(&sub, nc, "bench.echo", on_request, NULL);
    natsConnection_Flush(nc);
    printf("serving\n");
    fflush(stdout);
    for (;;) pause();
  }
  int n = atoi(argv[3]), bytes = atoi(argv[4]), parallel = atoi(argv[5]);
  char* payload = malloc((size_t)bytes + 1);
  memset(payload, 'x', (size_t)bytes);
  struct worker warm = {nc, payload, bytes, 200};
  run_worker(&warm);
  int64_t* rtt = malloc(sizeof(int64_t) * (size_t)n);
  int64_t t0 = now_ns();
  for (int i = 0; i < n; i++) {
    int64_t s = now_ns();
    struct worker one = {nc, payload, bytes, 1};
    run_worker(&one);
    rtt[i] = now_ns() - s;
  }
  double seq_s = (double)(now_ns() - t0) / 1e9;
  qsort(rtt, (size_t)n, sizeof(int64_t), cmp);
  pthread_t* th = malloc(sizeof(pthread_t) * (size_t)parallel);
  struct worker* ws = malloc(sizeof(struct worker) * (size_t)parallel);
  int64_t p0 = now_ns();
  for (int i = 0; i < parallel; i++) {
    ws[i] = (struct worker){nc, payload, bytes, n / parallel};
    pthread_create(&th[i], NULL, run_worker, &ws[i]);
  }
  for (int i = 0; i < parallel; i++) pthread_join(th[i], NULL);
  double par_s = (double)(now_ns() - p0) / 1e9;
  printf("{\"p50_us\": %.1f, \"p99_us\": %.1f, \"seq_calls_per_s\": %.0f, \"par_calls_per_s\": %.0f}\n",
         rtt[n / 2] / 1e3, rtt[(n * 99) / 100] / 1e3, n / seq_s, (n / parallel) * parallel / par_s);
  return 0;
}
