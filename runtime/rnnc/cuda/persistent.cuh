// Persistent generation: generate's whole run in one cooperative launch.
// Every block owns a slice of the rows of every phase's matrices
// (persistent_plan.h's row_slice), copies them into its shared memory once
// at the start, and then runs the characters one after another: each layer's
// device step (the "persistent" section of layers/<kind>.cuh) is one or two
// phases over its rows, with one grid-wide barrier after each, and the
// sampler draws on the device from uniform draws the host computed ahead
// (darknet's sampler takes one rand() per character whatever the model), so
// the host only prints the characters the kernel wrote.
//
// n samples at once (generate -n N) run the same kernel: every row is read
// once per tile of up to kTile samples, and a row's product with a sample
// sums in the same order whatever n is, so sample 0 of -n N is -n 1's text.
//
// A phase: up to kMats matrices that share the output row j (an [lstm]'s
// eight gate products, an [rnn]'s input and self, a dense sub-layer alone),
// each reading the layer's input x (or, gathered, column c of a one-hot
// input) or one state vector s; a kind's epilogue turns row j's products into
// its outputs.
#pragma once
#include <cooperative_groups.h>
#include <cuda_runtime.h>

#include <cstdio>
#include <string>
#include <vector>

#include "device.cuh"
#include "persistent_plan.h"

namespace rnnc::cuda {

constexpr int kMats = 8;              // matrices per phase at most ([lstm]: four w, four u)
constexpr int kTile = 8;              // samples per input tile at most
constexpr int kPersistentThreads = 256;
constexpr int kPersistentWarps = kPersistentThreads / kWarp;

// One matrix of a phase, [rows][in] in global memory (folded, as uploaded).
struct PMat {
  const float* w = nullptr;
  const float* b = nullptr;
  int in = 0;
  bool gathered = false;  // reads column c of a one-hot input
  bool from_state = false;  // reads the phase's state vector s, else the input x
  int at = 0;             // floats into a shared row: where this matrix's part starts
};

struct Phase {
  PMat m[kMats];
  int count = 0;
  int rows = 0;
  int x_width = 0, s_width = 0;  // the tile holds, per sample, x (unless gathered) then s
  int width = 0;                 // floats a row keeps in shared memory (the matrices not gathered)
  // Set by the plan (persistent_plan.h):
  int offset = 0;       // floats into shared memory: this block's rows of the phase
  int shared_rows = 0;  // rows of the block's slice held there; the rest are read from global memory

  // Host: adds matrix d, reading x, a gathered column, or the state.
  void add(const DeviceDense& d, bool gathered, bool from_state) {
    if (count == kMats) fail("persistent: a phase of more than %d matrices", kMats);
    PMat& p = m[count++];
    p.w = d.w.data();
    p.b = d.b.data();
    p.in = d.in;
    p.gathered = gathered;
    p.from_state = from_state;
    p.at = width;
    if (!gathered) width += d.in;
    if (from_state) s_width = d.in;
    else if (!gathered) x_width = d.in;
    rows = d.out;
  }
};

// What every phase of the kernel reads: its shared memory and the launch.
struct Ctx {
  float* smem;     // the block's rows of every phase
  float* tile;     // [ts][stride]: the inputs of a tile of samples
  float* scratch;  // [warps][kMats][kTile]: a warp's products before its epilogue
  int n;           // samples
  int tile_samples;
};

__device__ inline int warp_id() { return threadIdx.x / kWarp; }

// Row j (local index jl in the block's slice) of matrix k: in shared memory
// for the first shared_rows of the slice, else in global memory.
__device__ inline const float* phase_row(const Phase& p, const Ctx& c, int k, int jl, int j) {
  if (jl < p.shared_rows) return c.smem + p.offset + size_t(jl) * p.width + p.m[k].at;
  return p.m[k].w + size_t(j) * p.m[k].in;
}

// Copies the block's rows of phase p into shared memory (once, at the start).
__device__ inline void load_phase_rows(const Phase& p, const Ctx& c) {
  const RowSlice r = row_slice(p.rows, gridDim.x, blockIdx.x);
  const int keep = min(r.end - r.begin, p.shared_rows);
  for (int jl = 0; jl < keep; ++jl)
    for (int k = 0; k < p.count; ++k) {
      const PMat& m = p.m[k];
      if (m.gathered) continue;
      float* to = c.smem + p.offset + size_t(jl) * p.width + m.at;
      const float* from = m.w + size_t(r.begin + jl) * m.in;
      for (int i = threadIdx.x; i < m.in; i += blockDim.x) to[i] = __ldg(from + i);
    }
}

// The input symbol of sample s: c.cs[s] where the samples have their own, else c.c.
__device__ inline int symbol_of(OneHot c, int s) { return c.cs ? __ldcg(c.cs + s) : c.c; }

// Runs phase p for every sample: for each row j the block owns and each
// sample s, products[k] = row_k(j) . (x or s)[s] (or W_k[j][c_s] gathered),
// then epilogue(j, s, products) on lane 0 of the row's warp. x and state are
// [n][width] in global memory, written by other blocks before the last grid
// barrier (so read past L1: __ldcg).
template <class Epilogue>
__device__ void run_phase(const Phase& p, const Ctx& c, const float* x, OneHot sym, const float* state,
                          Epilogue epilogue) {
  const RowSlice r = row_slice(p.rows, gridDim.x, blockIdx.x);
  const int stride = p.x_width + p.s_width;
  const int w = warp_id(), l = lane();
  float* my = c.scratch + size_t(w) * kMats * kTile;
  for (int s0 = 0; s0 < c.n; s0 += c.tile_samples) {
    const int ts = min(c.tile_samples, c.n - s0);
    __syncthreads();  // the last tile's readers are done
    for (int t = 0; t < ts; ++t) {
      float* to = c.tile + size_t(t) * stride;
      const size_t s = size_t(s0 + t);
      for (int i = threadIdx.x; i < p.x_width; i += blockDim.x) to[i] = __ldcg(x + s * p.x_width + i);
      for (int i = threadIdx.x; i < p.s_width; i += blockDim.x) to[p.x_width + i] = __ldcg(state + s * p.s_width + i);
    }
    __syncthreads();
    for (int jl = w; jl < r.end - r.begin; jl += kPersistentWarps) {
      const int j = r.begin + jl;
      for (int k = 0; k < p.count; ++k) {
        const PMat& m = p.m[k];
        if (m.gathered) {
          if (l == 0)
            for (int t = 0; t < ts; ++t) my[k * kTile + t] = __ldg(m.w + size_t(j) * m.in + symbol_of(sym, s0 + t));
          continue;
        }
        const float* row = phase_row(p, c, k, jl, j);
        const float* v = c.tile + (m.from_state ? p.x_width : 0);
        // Lane l sums elements l, l + 32, ...; then the lanes pairwise (device.cuh's warp_dot, per sample).
        float acc[kTile];
#pragma unroll
        for (int t = 0; t < kTile; ++t) acc[t] = 0;
        for (int i = l; i < m.in; i += kWarp) {
          const float wi = row[i];
#pragma unroll
          for (int t = 0; t < kTile; ++t)
            if (t < ts) acc[t] += wi * v[size_t(t) * stride + i];
        }
#pragma unroll
        for (int t = 0; t < kTile; ++t) {
          for (int o = kWarp / 2; o > 0; o /= 2) acc[t] += __shfl_xor_sync(0xffffffffu, acc[t], o);
          if (l == 0 && t < ts) my[k * kTile + t] = acc[t];
        }
      }
      __syncwarp();
      if (l == 0) {
        float prod[kMats];
        for (int t = 0; t < ts; ++t) {
          for (int k = 0; k < p.count; ++k) prod[k] = my[k * kTile + t];
          epilogue(j, s0 + t, prod);
        }
      }
      __syncwarp();
    }
  }
}

// The grid's warps, each taking tasks gw, gw + all, ...
__device__ inline int grid_warp() { return blockIdx.x * kPersistentWarps + warp_id(); }
__device__ inline int grid_warps() { return gridDim.x * kPersistentWarps; }

// A sequential float sum over v[0..n) in index order, as the CPU's loops sum:
// the warp reads 32 at a time and every lane adds them one by one (the same
// result in every lane).
template <class Get>
__device__ inline float warp_serial_sum(int n, Get get) {
  float sum = 0;
  for (int base = 0; base < n; base += kWarp) {
    const int i = base + lane();
    const float mine = i < n ? get(i) : 0.f;
    const int m = min(kWarp, n - base);
    for (int q = 0; q < m; ++q) sum += __shfl_sync(0xffffffffu, mine, q);
  }
  return sum;
}

// darknet's sampler (sampler.h's sample_char) over p[0..n), by one warp, in
// its order of float operations: the cut-off below .0001, the sequential
// sum, the scale, the walk r -= p[i] until r <= 0. p is rewritten.
__device__ inline int warp_sample(float* p, int n, float r) {
  for (int i = lane(); i < n; i += kWarp)
    if (p[i] < .0001) p[i] = 0;
  __syncwarp();
  const float sum = warp_serial_sum(n, [&](int i) { return p[i]; });
  const float scale = static_cast<float>(1. / sum);
  for (int i = lane(); i < n; i += kWarp) p[i] *= scale;
  __syncwarp();
  for (int base = 0; base < n; base += kWarp) {
    const int i = base + lane();
    const float mine = i < n ? p[i] : 0.f;
    const int m = min(kWarp, n - base);
    for (int q = 0; q < m; ++q) {
      r = r - __shfl_sync(0xffffffffu, mine, q);
      if (r <= 0) return base + q;  // the same in every lane
    }
  }
  return n - 1;
}

// What one launch runs: `steps` characters from step index t0 (the state
// buffers' parity), each step's input being the seed's next character while
// there are any (feed), then the last one drawn.
struct RunArgs {
  const int* feed;       // [feed_steps]: characters given (the seed), the same for every sample
  int feed_steps;
  int steps;             // characters in all this launch (feed_steps of them given)
  long long t0;          // the steps run before this launch
  const float* draws;    // [n][steps - feed_steps]: each sample's uniform draws
  int* symbols;          // [n]: the last character drawn (the next input)
  int* out;              // [n][steps - feed_steps]: the characters drawn
  float* probs;          // [n][inputs]: the sampler's copy of the last layer's output
  int inputs;
  int n;
  int tile_samples;
  size_t tile_offset;    // floats into shared memory
};

// The kernel: Net (the generated model's PersistentNet) chains the layers'
// device steps; net lives in global memory (its phases are too large for
// kernel parameters in a deep model).
template <class Net>
__global__ void __launch_bounds__(kPersistentThreads) persistent_kernel(const Net* __restrict__ net, RunArgs a) {
  namespace cg = cooperative_groups;
  cg::grid_group grid = cg::this_grid();
  extern __shared__ float smem[];
  Ctx c;
  c.smem = smem;
  c.tile = smem + a.tile_offset;
  c.scratch = c.tile + size_t(a.tile_samples) * net->tile_stride;
  c.n = a.n;
  c.tile_samples = a.tile_samples;
  net->load_rows(c);
  __syncthreads();
  const int drawn_steps = a.steps - a.feed_steps;
  for (int i = 0; i < a.steps; ++i) {
    const long long t = a.t0 + i;
    OneHot in{0, a.symbols};
    if (i < a.feed_steps) in = {a.feed[i], nullptr};
    const float* y = net->step(c, grid, in, t);
    if (i < a.feed_steps) continue;
    // Sample s on warp s of the grid (and so on): its own copy of the probabilities, rewritten by the cut-off.
    const int k = i - a.feed_steps;
    for (int s = grid_warp(); s < a.n; s += grid_warps()) {
      float* p = a.probs + size_t(s) * a.inputs;
      for (int j = lane(); j < a.inputs; j += kWarp) p[j] = __ldcg(y + size_t(s) * a.inputs + j);
      __syncwarp();
      const int ch = warp_sample(p, a.inputs, __ldg(a.draws + size_t(s) * drawn_steps + k));
      if (lane() == 0) {
        a.symbols[s] = ch;
        a.out[size_t(s) * drawn_steps + k] = ch;
      }
    }
    grid.sync();
  }
}

// ---- the host side ----

// Collects the phases of a model (each layer's persistent view adds its own),
// then plans them for the device and sets each phase's place.
struct PhaseList {
  std::vector<Phase*> phases;
  int tile_stride = 0;  // the widest phase's x + s
  void add(Phase& p) {
    phases.push_back(&p);
    if (p.x_width + p.s_width > tile_stride) tile_stride = p.x_width + p.s_width;
  }
  std::vector<PhaseShape> shapes() const {
    std::vector<PhaseShape> s;
    for (const Phase* p : phases) s.push_back({p->rows, p->width});
    return s;
  }
  void place(const OnChipPlan& plan) {
    for (size_t i = 0; i < phases.size(); ++i) {
      phases[i]->offset = static_cast<int>(plan.places[i].offset);
      phases[i]->shared_rows = plan.places[i].shared_rows;
    }
  }
};

// A device copy of one POD value, freed with the owner.
template <class T>
class DeviceValue {
 public:
  ~DeviceValue() {
    if (p_) cudaFree(p_);
  }
  const T* upload(const T& v) {
    if (!p_) RNNC_CUDA_CHECK(cudaMalloc(&p_, sizeof(T)));
    RNNC_CUDA_CHECK(cudaMemcpy(p_, &v, sizeof(T), cudaMemcpyHostToDevice));
    return p_;
  }

 private:
  T* p_ = nullptr;
};

// An int or float buffer on the device, freed with the owner.
template <class T>
class DeviceBuffer {
 public:
  ~DeviceBuffer() {
    if (p_) cudaFree(p_);
  }
  T* resize(size_t n) {
    if (n > n_) {
      if (p_) cudaFree(p_);
      p_ = nullptr;
      RNNC_CUDA_CHECK(cudaMalloc(&p_, n * sizeof(T)));
      n_ = n;
    }
    return p_;
  }
  T* data() { return p_; }

 private:
  T* p_ = nullptr;
  size_t n_ = 0;
};

// The device's limits for the plan, with the kernel's occupancy at a given
// dynamic shared memory size.
template <class Net>
DeviceLimits device_limits() {
  int dev = 0;
  RNNC_CUDA_CHECK(cudaGetDevice(&dev));
  cudaDeviceProp p;
  RNNC_CUDA_CHECK(cudaGetDeviceProperties(&p, dev));
  DeviceLimits d;
  d.sms = p.multiProcessorCount;
  cudaFuncAttributes fa;
  RNNC_CUDA_CHECK(cudaFuncGetAttributes(&fa, persistent_kernel<Net>));
  // Dynamic shared memory is what the opt-in allows beside the kernel's static shared memory.
  d.shared_per_block = p.sharedMemPerBlockOptin > fa.sharedSizeBytes ? p.sharedMemPerBlockOptin - fa.sharedSizeBytes : 0;
  d.l2_bytes = size_t(p.l2CacheSize);
  int coop = 0;
  RNNC_CUDA_CHECK(cudaDeviceGetAttribute(&coop, cudaDevAttrCooperativeLaunch, dev));
  if (!coop) d.sms = 0;  // no cooperative launch: the plan finds no SMs
  d.blocks_per_sm = [](size_t shared) {
    if (cudaFuncSetAttribute(persistent_kernel<Net>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                             static_cast<int>(shared)) != cudaSuccess) {
      cudaGetLastError();
      return 0;
    }
    int k = 0;
    if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&k, persistent_kernel<Net>, kPersistentThreads, shared) !=
        cudaSuccess) {
      cudaGetLastError();
      return 0;
    }
    return k;
  };
  return d;
}

// Runs a whole generation for a model whose Net the CudaModel builds: plan()
// once for n samples (false: the per-step kernels instead, plan.why says
// why), then run() chunk by chunk.
template <class Net>
class PersistentRun {
 public:
  OnChipPlan plan;

  // net must have its phases listed (list) and its buffers sized for n.
  bool prepare(Net& net, PhaseList& list, int n, int inputs) {
    n_ = n;
    inputs_ = inputs;
    tile_samples_ = n < kTile ? n : kTile;
    net.tile_stride = list.tile_stride;
    const size_t tile = size_t(tile_samples_) * list.tile_stride;
    const size_t scratch = size_t(kPersistentWarps) * kMats * kTile;
    plan = plan_on_chip(list.shapes(), tile, scratch, device_limits<Net>());
    if (!plan.persistent) return false;
    list.place(plan);
    RNNC_CUDA_CHECK(cudaFuncSetAttribute(persistent_kernel<Net>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                         static_cast<int>(plan.shared_bytes)));
    net_ = net_copy_.upload(net);
    symbols_.resize(size_t(n));
    probs_.resize(size_t(n) * inputs);
    return true;
  }

  // Feeds `feed` (the same characters to every sample), then (first >= 0)
  // starts every sample from character first, and draws
  // draws.size() / n characters per sample; chars gets them, [n][drawn].
  void run(const std::vector<int>& feed, int first, const std::vector<float>& draws, std::vector<int>& chars) {
    const int drawn = static_cast<int>(draws.size() / size_t(n_));
    if (first >= 0) {
      const std::vector<int> firsts(size_t(n_), first);
      RNNC_CUDA_CHECK(cudaMemcpy(symbols_.data(), firsts.data(), firsts.size() * sizeof(int), cudaMemcpyHostToDevice));
    }
    RunArgs a{};
    a.feed = feed_.resize(feed.size() + 1);
    if (!feed.empty())
      RNNC_CUDA_CHECK(cudaMemcpy(feed_.data(), feed.data(), feed.size() * sizeof(int), cudaMemcpyHostToDevice));
    a.feed_steps = static_cast<int>(feed.size());
    a.steps = a.feed_steps + drawn;
    a.t0 = t_;
    a.draws = draws_.resize(draws.size() + 1);
    if (!draws.empty())
      RNNC_CUDA_CHECK(cudaMemcpy(draws_.data(), draws.data(), draws.size() * sizeof(float), cudaMemcpyHostToDevice));
    a.symbols = symbols_.data();
    a.out = out_.resize(size_t(n_) * drawn + 1);
    a.probs = probs_.data();
    a.inputs = inputs_;
    a.n = n_;
    a.tile_samples = tile_samples_;
    a.tile_offset = plan.tile_offset;
    void* args[] = {const_cast<Net**>(&net_), &a};
    RNNC_CUDA_CHECK(cudaLaunchCooperativeKernel(reinterpret_cast<void*>(persistent_kernel<Net>), dim3(plan.blocks),
                                                dim3(kPersistentThreads), args, plan.shared_bytes, nullptr));
    RNNC_CUDA_CHECK(cudaDeviceSynchronize());
    chars.resize(size_t(n_) * drawn);
    if (drawn)
      RNNC_CUDA_CHECK(cudaMemcpy(chars.data(), out_.data(), chars.size() * sizeof(int), cudaMemcpyDeviceToHost));
    t_ += a.steps;
  }

 private:
  int n_ = 1, inputs_ = 0, tile_samples_ = 1;
  long long t_ = 0;
  DeviceValue<Net> net_copy_;
  const Net* net_ = nullptr;
  DeviceBuffer<int> feed_, symbols_, out_;
  DeviceBuffer<float> draws_, probs_;
};

}  // namespace rnnc::cuda
