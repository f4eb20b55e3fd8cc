// The host-side arithmetic of persistent generation (cuda/persistent.cuh),
// kept free of CUDA so that the unit tests check it on any machine:
//  - which rows of each phase a block owns;
//  - whether a model's weights stay on chip for a device's limits, and where
//    each phase's rows of a block sit in its shared memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>


// row_slice runs on the device too (cuda/persistent.cuh).
#ifdef __CUDACC__
#define RNNC_HOST_DEVICE __host__ __device__
#else
#define RNNC_HOST_DEVICE
#endif

namespace rnnc::cuda {

// Rows [begin, end) of `rows` that block b of `blocks` owns: consecutive,
// balanced slices (sizes differ by at most one), every row in exactly one.
struct RowSlice {
  int begin, end;
};
RNNC_HOST_DEVICE inline RowSlice row_slice(int rows, int blocks, int b) {
  return {static_cast<int>(int64_t(rows) * b / blocks), static_cast<int>(int64_t(rows) * (b + 1) / blocks)};
}
// The most rows any block owns.
inline int most_rows(int rows, int blocks) { return (rows + blocks - 1) / blocks; }

// One phase of the step as the plan sees it: its rows and the floats a row
// keeps on chip (the widths of its matrices that are not gathered).
struct PhaseShape {
  int rows;
  int width;
};

// What the device offers (cudaDeviceProp, and the kernel's occupancy).
struct DeviceLimits {
  int sms = 0;
  size_t shared_per_block = 0;  // sharedMemPerBlockOptin
  size_t l2_bytes = 0;          // l2CacheSize
  // Blocks of the kernel that fit on one SM with this much dynamic shared
  // memory (cudaOccupancyMaxActiveBlocksPerMultiprocessor).
  std::function<int(size_t shared_bytes)> blocks_per_sm;
};

// Where one phase's rows of a block sit: the first shared_rows of its slice
// in shared memory from float `offset`, the rest read from global memory.
struct PhasePlace {
  size_t offset = 0;
  int shared_rows = 0;
};

struct OnChipPlan {
  bool persistent = false;  // false: the per-step kernels (why says why)
  std::string why;
  int blocks = 0;               // the grid: blocks per SM x SMs
  size_t shared_bytes = 0;      // dynamic shared memory per block: weights, then the input tile
  size_t tile_offset = 0;       // floats: where the input tile starts
  std::vector<PhasePlace> places;
  size_t weight_bytes = 0;      // all the phases' stored rows
  size_t shared_weight_bytes = 0;  // of those, in shared memory (over all blocks)
  std::string describe() const;
};

// Plans the persistent kernel for phases `phases`, an input tile of
// tile_floats and scratch_floats per block. The grid takes as many blocks per
// SM as fit co-resident; each phase's slice goes into shared memory while the
// budget lasts. The model stays on chip when its rows all fit in shared
// memory, or when what does not fit (read from global memory at every step)
// is at most half the L2 cache, where it then stays; anything larger runs the
// per-step kernels.
inline OnChipPlan plan_on_chip(const std::vector<PhaseShape>& phases, size_t tile_floats, size_t scratch_floats,
                               const DeviceLimits& d) {
  OnChipPlan p;
  size_t total = 0;
  for (const PhaseShape& ph : phases) total += size_t(ph.rows) * ph.width;
  p.weight_bytes = total * sizeof(float);
  const size_t fixed = (tile_floats + scratch_floats) * sizeof(float);
  if (d.sms <= 0 || !d.blocks_per_sm) {
    p.why = "the device has no cooperative launch";
    return p;
  }
  if (fixed > d.shared_per_block) {
    p.why = "the input tile alone needs " + std::to_string(fixed) + " bytes of shared memory per block, the device has " +
            std::to_string(d.shared_per_block);
    return p;
  }
  // Shared bytes a block needs to hold all of its rows at `blocks` blocks.
  auto need = [&](int blocks) {
    size_t f = 0;
    for (const PhaseShape& ph : phases) f += size_t(most_rows(ph.rows, blocks)) * ph.width;
    return f * sizeof(float) + fixed;
  };
  // The most blocks per SM whose shared memory (all rows, or the whole budget) still lets them co-reside.
  int per_sm = 0;
  size_t shared = 0;
  for (int k = 8; k >= 1 && !per_sm; --k) {
    size_t s = need(k * d.sms);
    if (s > d.shared_per_block) s = d.shared_per_block;
    if (d.blocks_per_sm(s) >= k) per_sm = k, shared = s;
  }
  if (!per_sm) {
    p.why = "not even one block per SM fits";
    return p;
  }
  p.blocks = per_sm * d.sms;
  p.shared_bytes = shared;
  // Phase by phase, as many of each block's rows as the budget holds.
  size_t left = (shared - fixed) / sizeof(float), at = 0, spilled = 0;
  for (const PhaseShape& ph : phases) {
    PhasePlace pl;
    pl.offset = at;
    const int most = most_rows(ph.rows, p.blocks);
    if (ph.width > 0) {
      size_t fit = left / size_t(ph.width);
      pl.shared_rows = fit >= size_t(most) ? most : static_cast<int>(fit);
    } else {
      pl.shared_rows = most;
    }
    size_t used = size_t(pl.shared_rows) * ph.width;
    left -= used;
    at += used;
    // Rows past shared_rows in some block's slice are read from global memory.
    int in_shared = 0;
    for (int b = 0; b < p.blocks; ++b) {
      RowSlice r = row_slice(ph.rows, p.blocks, b);
      int own = r.end - r.begin;
      in_shared += own < pl.shared_rows ? own : pl.shared_rows;
    }
    spilled += size_t(ph.rows - in_shared) * ph.width;
    p.places.push_back(pl);
  }
  p.tile_offset = at;
  p.shared_weight_bytes = p.weight_bytes - spilled * sizeof(float);
  if (spilled * sizeof(float) > d.l2_bytes / 2) {
    p.why = "weights of " + std::to_string(p.weight_bytes >> 20) + " MiB: " +
            std::to_string((spilled * sizeof(float)) >> 20) + " MiB past shared memory, more than half the L2 cache";
    return p;
  }
  p.persistent = true;
  return p;
}

inline std::string OnChipPlan::describe() const {
  if (!persistent) return "per-step kernels (" + why + ")";
  std::string s = "persistent, " + std::to_string(blocks) + " blocks";
  if (shared_weight_bytes < weight_bytes) {
    int pc = weight_bytes ? static_cast<int>(100.0 * shared_weight_bytes / weight_bytes) : 100;
    s += ", " + std::to_string(pc) + "% of weights in shared memory, the rest in L2";
  }
  return s;
}

}  // namespace rnnc::cuda
