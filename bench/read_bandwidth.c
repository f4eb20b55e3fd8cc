/* The machine's read bandwidth, in GB/s, for a buffer of BYTES (what one
   generated character reads: the model's weights in one precision), read
   over and over by THREADS threads (default: every core), each its own
   contiguous share, as generate's products split the weights by rows.
   The best of several one-second rounds: a disturbed round is the machine's
   noise, not its bandwidth. This is the limit a batch-1 generate figure is
   measured against (bench/run.sh).
   usage: read_bandwidth BYTES [THREADS]
   Built by bench/run.sh: cc -O3 -march=native -pthread */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define LANES 16
typedef __m512 vec;
#define VLOAD(p) _mm512_load_ps(p)
#define VADD(a, b) _mm512_add_ps(a, b)
#define VZERO() _mm512_setzero_ps()
#elif defined(__AVX2__)
#include <immintrin.h>
#define LANES 8
typedef __m256 vec;
#define VLOAD(p) _mm256_load_ps(p)
#define VADD(a, b) _mm256_add_ps(a, b)
#define VZERO() _mm256_setzero_ps()
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

struct share {
  const float* p;
  size_t n;  /* floats, a multiple of 64 */
  int passes;
  float sum; /* kept so that the reads are not optimised away */
};

static void* read_share(void* arg) {
  struct share* s = arg;
  float total = 0;
  for (int pass = 0; pass < s->passes; ++pass) {
#if defined(LANES)
    /* Four independent sums: one add's latency does not limit the loads. */
    vec a = VZERO(), b = VZERO(), c = VZERO(), d = VZERO();
    for (size_t i = 0; i < s->n; i += 4 * LANES) {
      a = VADD(a, VLOAD(s->p + i));
      b = VADD(b, VLOAD(s->p + i + LANES));
      c = VADD(c, VLOAD(s->p + i + 2 * LANES));
      d = VADD(d, VLOAD(s->p + i + 3 * LANES));
    }
    float lanes[LANES];
    memcpy(lanes, &a, sizeof lanes);
    total += lanes[0];
    memcpy(lanes, &b, sizeof lanes);
    total += lanes[1];
    memcpy(lanes, &c, sizeof lanes);
    total += lanes[2];
    memcpy(lanes, &d, sizeof lanes);
    total += lanes[3];
#else
    float a = 0, b = 0, c = 0, d = 0;
    for (size_t i = 0; i < s->n; i += 4) {
      a += s->p[i];
      b += s->p[i + 1];
      c += s->p[i + 2];
      d += s->p[i + 3];
    }
    total += a + b + c + d;
#endif
  }
  s->sum = total;
  return NULL;
}

/* Seconds for THREADS threads to read their shares PASSES times each. */
static double timed_reads(struct share* shares, int threads, int passes) {
  pthread_t t[256];
  double t0 = now();
  for (int i = 0; i < threads; ++i) {
    shares[i].passes = passes;
    pthread_create(&t[i], NULL, read_share, &shares[i]);
  }
  for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
  return now() - t0;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: read_bandwidth BYTES [THREADS]\n");
    return 2;
  }
  size_t bytes = strtoull(argv[1], NULL, 10);
  int threads = argc > 2 ? atoi(argv[2]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1 || threads > 256 || bytes < 4096) {
    fprintf(stderr, "read_bandwidth: BYTES at least 4096, THREADS 1..256\n");
    return 2;
  }
  size_t n = bytes / sizeof(float);
  size_t per = (n / threads) / 64 * 64;
  float* buf = aligned_alloc(64, (per * threads + 64) * sizeof(float));
  if (!buf) return 1;
  for (size_t i = 0; i < per * threads; ++i) buf[i] = (float)(i & 7);
  struct share shares[256];
  for (int i = 0; i < threads; ++i) shares[i] = (struct share){buf + i * per, per, 1, 0};
  /* Passes for ~0.25 s a round, from one warm-up round (which also brings the buffer into the caches it fits). */
  double once = timed_reads(shares, threads, 1);
  int passes = (int)(0.25 / (once > 1e-6 ? once : 1e-6)) + 1;
  double best = 0;
  for (int round = 0; round < 8; ++round) {
    double t = timed_reads(shares, threads, passes);
    double gbs = (double)per * threads * sizeof(float) * passes / t / 1e9;
    if (gbs > best) best = gbs;
  }
  float sink = 0;
  for (int i = 0; i < threads; ++i) sink += shares[i].sum;
  printf("%.1f\n", best + (sink == -1.0f ? 1e-9 : 0));
  free(buf);
  return 0;
}
