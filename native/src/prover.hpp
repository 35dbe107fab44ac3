// The Groth16 prover, step for step snarkjs 0.7's groth16_prove.js.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "bigbuf.hpp"
#include "binfile.hpp"
#include "curve.hpp"

namespace zkm {

// Per-phase wall-clock milliseconds, plus the process's CPU milliseconds (all threads) per phase
// under "cpu": on a busy machine the CPU figures show what the work itself costs. prove() with 2 or
// more threads runs abc, fft and msm_h beside msm_a .. msm_c: their CPU is then counted in the
// phases of this thread (msm_a .. msm_c, h_wait), and theirs is null (cpu_ms < 0).
struct Timings {
  struct Phase {
    std::string name;
    double wall_ms, cpu_ms;
  };
  std::vector<Phase> phases;
  int threads = 0;
  void add(const std::string& name, double wall_ms, double cpu_ms) { phases.push_back(Phase{name, wall_ms, cpu_ms}); }
  std::string json() const;
};

// Measures one phase: construct at its start, stop(tm, name) at its end (no-op when tm is null).
class PhaseTimer {
 public:
  PhaseTimer();
  void stop(Timings* tm, const char* name);
  static double cpu_now_ms();  // CPU time of the process so far

 private:
  double wall0_, cpu0_;
};

struct Proof {
  G1Affine a;
  G2Affine b;
  G1Affine c;
};

// The scalars of the H multi-exponentiation (plain form, domain_size of them): the QAP's
// A(x) B(x) - C(x) evaluated on the coset, exactly as snarkjs computes them (see prover.cpp).
BigVec<U256> h_scalars(const ZKey& zk, const BigVec<U256>& w, int threads, Timings* t);

// A proof with blinding factors r and s (plain values < r).
Proof prove(const ZKey& zk, const BigVec<U256>& w, const U256& r, const U256& s, int threads, Timings* t);

// A uniformly random nonzero scalar < r from the OS's CSPRNG (getrandom(2), else /dev/urandom).
U256 random_scalar();

// snarkjs's JSON for a proof ({"pi_a": [...], ..., "protocol": "groth16", "curve": "bn128"}) and
// for public signals (witness values 1..nPublic), as JSON.stringify(x, null, 1) lays them out.
std::string proof_json(const Proof& p);
std::string public_json(const BigVec<U256>& w, uint32_t n_public);

// Writes a file atomically: a temporary file in the same directory, then rename(2).
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace zkm
