/* GFLOP/s of OpenBLAS's sgemm on M x N x K (default 128 x 1024 x 1024), the
   reference figure bench/run.sh holds rnnc's training step against. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  int M = argc > 1 ? atoi(argv[1]) : 128, N = argc > 2 ? atoi(argv[2]) : 1024, K = argc > 3 ? atoi(argv[3]) : 1024;
  float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N), *C = malloc(sizeof(float) * M * N);
  for (int i = 0; i < M * K; ++i) A[i] = (float)(i % 7) * .1f;
  for (int i = 0; i < K * N; ++i) B[i] = (float)(i % 5) * .1f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1, A, K, B, K, 0, C, N);
  int reps = 0;
  double t0 = now(), t;
  do {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1, A, K, B, K, 0, C, N);
    ++reps;
  } while ((t = now()) - t0 < 1.0);
  printf("%.1f\n", 2.0 * M * N * K * reps / (t - t0) / 1e9);
  return 0;
}
