#include "prover.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <thread>
#include <sys/random.h>
#include <unistd.h>

#include "msm.hpp"
#include "ntt.hpp"
#include "threads.hpp"

namespace zkm {

static double wall_now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double PhaseTimer::cpu_now_ms() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

PhaseTimer::PhaseTimer() : wall0_(wall_now_ms()), cpu0_(cpu_now_ms()) {}

void PhaseTimer::stop(Timings* tm, const char* name) {
  const double w = wall_now_ms(), c = cpu_now_ms();
  if (tm) tm->add(name, w - wall0_, c - cpu0_);
  wall0_ = w;
  cpu0_ = c;
}

std::string Timings::json() const {
  std::string s = "{", cpu = "\"cpu\":{";
  char buf[96];
  for (size_t i = 0; i < phases.size(); i++) {
    std::snprintf(buf, sizeof buf, "%s\"%s\":%.1f", i ? "," : "", phases[i].name.c_str(), phases[i].wall_ms);
    s += buf;
    if (phases[i].cpu_ms < 0) {
      std::snprintf(buf, sizeof buf, "%s\"%s\":null", i ? "," : "", phases[i].name.c_str());
    } else {
      std::snprintf(buf, sizeof buf, "%s\"%s\":%.1f", i ? "," : "", phases[i].name.c_str(), phases[i].cpu_ms);
    }
    cpu += buf;
  }
  std::snprintf(buf, sizeof buf, ",\"threads\":%d,", threads);
  return s + buf + cpu + "}}";
}

// --------------------------------------------------------------------------------------- H
//
// snarkjs (groth16_prove.js, buildABC1 / joinABC), for a domain of size n = 2^power:
//
// 1. Section 4 lists the nonzero entries of the QAP matrices A (matrix 0) and B (matrix 1) as
//    (matrix, constraint, signal, value). The value is stored as c R^2 mod r ("Montgomery of the
//    Montgomery form"), and the witness is plain, so one Montgomery product
//        mont(cR^2, w) = c R^2 w R^-1 = (c w) R
//    is c w already in Montgomery form. A[constraint] and B[constraint] accumulate these: the
//    evaluations of A(x), B(x) on the domain {w_n^i}.
// 2. C is not read: on the domain C = A * B pointwise (the witness satisfies every constraint).
// 3. Each of A, B, C: inverse FFT (coefficients), multiply coefficient i by inc^i with
//    inc = Fr.w[power + 1] (a 2n-th root of unity; Fr.shift when power = 28), forward FFT: the
//    values at the odd powers of w_2n, i.e. on the coset inc * <w_n>.
// 4. H scalars: A * B - C there, taken out of Montgomery form. Z(x) = x^n - 1 is the constant -2
//    on that coset; snarkjs folds 1/Z into the H points of the key, so nothing divides here.
BigVec<U256> h_scalars(const ZKey& zk, const BigVec<U256>& w, int threads, Timings* tm) {
  PhaseTimer timer;
  const size_t n = zk.domain_size;
  BigVec<Fr> A(n, Fr::zero()), B(n, Fr::zero()), C(n);

  // Each thread owns a range of constraints and scans the whole (memory-mapped) coefficient list
  // for them: no locking, no merging, and no assumption that the list is sorted.
  const uint8_t* cp = zk.coeffs.p;
  const uint32_t nc = zk.n_coeffs, nvars = zk.n_vars;
  std::atomic<int64_t> bad{-1};
  const int T = std::max(1, std::min(threads, 8));
  run_threads(T, [&](int t) {
    const uint32_t lo = (uint32_t)(n * (size_t)t / (size_t)T), hi = (uint32_t)(n * (size_t)(t + 1) / (size_t)T);
    for (uint32_t i = 0; i < nc; i++) {
      const uint8_t* e = cp + (size_t)i * 44;
      const uint32_t c = le32(e + 4);
      if (c < lo || c >= hi) {
        if (t == 0 && c >= n) bad.store(i);  // in no thread's range
        continue;
      }
      const uint32_t m = le32(e), s = le32(e + 8);
      if (m > 1 || s >= nvars) {
        bad.store(i);
        continue;
      }
      U256 coef = u256_load_le(e + 12);
      Fr v;
      mont_mul_limbs<FrParams>(v.v, coef.w, w[s].w);
      Fr& dst = m == 0 ? A[c] : B[c];
      dst = dst + v;
    }
  });
  if (bad.load() >= 0) {
    const uint8_t* e = cp + (size_t)bad.load() * 44;
    throw InputError(zk.file.path() + ": coefficient " + std::to_string(bad.load()) + " is out of range (matrix " + std::to_string(le32(e)) +
                     ", constraint " + std::to_string(le32(e + 4)) + ", signal " + std::to_string(le32(e + 8)) + ")");
  }
  parallel_for(threads, n, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; i++) C[i] = A[i] * B[i];
  });
  timer.stop(tm, "abc");

  const Fr inc = zk.power == FR_TWO_ADICITY ? Fr::from_u64(25) : fr_root_of_unity(zk.power + 1);
  // ifft's 1/n folded into the coset shift: coefficient i times inc^i / n (one table for A, B, C)
  BigVec<Fr> shift(n);
  powers_table(shift.data(), n, inv(Fr::from_u64(n)), inc, threads);
  for (BigVec<Fr>* v : {&A, &B, &C}) {
    ntt_unscaled(v->data(), zk.power, true, threads);
    Fr* x = v->data();
    parallel_for(threads, n, [&](size_t b, size_t e, int) {
      for (size_t i = b; i < e; i++) x[i] = x[i] * shift[i];
    });
    ntt(v->data(), zk.power, false, threads);
  }
  BigVec<U256> out(n);
  parallel_for(threads, n, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; i++) out[i] = (A[i] * B[i] - C[i]).to_u256();
  });
  timer.stop(tm, "fft");
  return out;
}

// ------------------------------------------------------------------------------------ prove
//
//   pi_a = alpha1 + sum_i w_i A_i + r delta1
//   pi_b = beta2 + sum_i w_i B2_i + s delta2                       (G2)
//   pib1 = beta1 + sum_i w_i B1_i + s delta1                       (pi_b's G1 twin)
//   pi_c = sum_{i > nPublic} w_i C_i + sum_j h_j H_j + s pi_a + r pib1 - r s delta1
Proof prove(const ZKey& zk, const BigVec<U256>& w, const U256& r, const U256& s, int threads, Timings* tm) {
  if (w.size() != zk.n_vars) {
    throw InputError("invalid witness length: the circuit has " + std::to_string(zk.n_vars) + " variables, the witness " + std::to_string(w.size()));
  }
  MsmOptions opt;
  opt.threads = threads;
  opt.group = true;  // witness values repeat (copies, padding, flags): merge equal scalars first
  MsmOptions opt_h = opt;
  opt_h.group = false;  // the H scalars are as good as random

  // Two streams of work at once: the witness MSMs (A, B1, B2, C) on this thread, and the H scalars
  // (the coefficient scan and the QAP's FFTs: memory-bound) followed by their MSM on another. The
  // MSMs of both streams use `threads` threads in their parallel parts, h_scalars half as many
  // (measured on 2 cores: 1 thread beside 2 MSM threads is ~7 % faster than 2, which thrash the
  // cache). Neither stream divides perfectly (the scan of the coefficients, sorting the witness
  // scalars, the FFTs' memory traffic, an MSM's last windows), and what one leaves idle the other
  // fills: on 2 cores this takes about a sixth off the wall time, with the cores oversubscribed up to
  // twice over meanwhile. With one thread, everything runs in turn.
  BigVec<U256> h;
  G1Jac ph;
  Timings h_tm;
  std::exception_ptr h_error;
  auto h_stream = [&](Timings* t) {
    h = h_scalars(zk, w, threads >= 2 ? std::max(1, threads / 2) : threads, t);
    PhaseTimer timer;
    ph = msm<Fq>(zk.h.p, h.data(), zk.domain_size, opt_h);
    timer.stop(t, "msm_h");
  };
  std::thread h_thread;
  if (threads >= 2) {
    h_thread = std::thread([&] {
      try {
        h_stream(tm ? &h_tm : nullptr);
      } catch (...) {
        h_error = std::current_exception();
      }
    });
  }
  struct Joiner {
    std::thread& t;
    ~Joiner() {
      if (t.joinable()) t.join();
    }
  } joiner{h_thread};

  PhaseTimer timer;
  G1Jac pa = msm<Fq>(zk.a.p, w.data(), zk.n_vars, opt);
  timer.stop(tm, "msm_a");
  G1Jac pb1 = msm<Fq>(zk.b1.p, w.data(), zk.n_vars, opt);
  timer.stop(tm, "msm_b1");
  G2Jac pb = msm<Fq2>(zk.b2.p, w.data(), zk.n_vars, opt);
  timer.stop(tm, "msm_b2");
  G1Jac pc = msm<Fq>(zk.c.p, w.data() + zk.n_public + 1, zk.n_vars - zk.n_public - 1, opt);
  timer.stop(tm, "msm_c");
  if (h_thread.joinable()) {
    h_thread.join();
    if (h_error) std::rethrow_exception(h_error);
    if (tm) {
      timer.stop(tm, "h_wait");  // this thread waiting for the other stream
      for (const Timings::Phase& p : h_tm.phases) tm->add(p.name, p.wall_ms, -1);
    }
  } else {
    h_stream(tm);
    timer = PhaseTimer();
  }

  const G1Jac delta1 = to_jacobian(zk.delta1);
  pa = jac_add(pa, to_jacobian(zk.alpha1));
  pa = jac_add(pa, scalar_mul(delta1, r));
  pb = jac_add(pb, to_jacobian(zk.beta2));
  pb = jac_add(pb, scalar_mul(to_jacobian(zk.delta2), s));
  pb1 = jac_add(pb1, to_jacobian(zk.beta1));
  pb1 = jac_add(pb1, scalar_mul(delta1, s));
  pc = jac_add(pc, ph);
  pc = jac_add(pc, scalar_mul(pa, s));
  pc = jac_add(pc, scalar_mul(pb1, r));
  const U256 neg_rs = (-(Fr::from_u256(r) * Fr::from_u256(s))).to_u256();
  pc = jac_add(pc, scalar_mul(delta1, neg_rs));
  Proof p{to_affine(pa), to_affine(pb), to_affine(pc)};
  timer.stop(tm, "finish");
  return p;
}

// ------------------------------------------------------------------------------------ random

static void os_random(uint8_t* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t k = getrandom(buf + got, n - got, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      break;  // ENOSYS and friends: fall back to /dev/urandom
    }
    got += (size_t)k;
  }
  if (got == n) return;
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("no OS random source (getrandom failed and /dev/urandom cannot be opened)");
  while (got < n) {
    ssize_t k = ::read(fd, buf + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      ::close(fd);
      throw std::runtime_error("reading /dev/urandom failed");
    }
    got += (size_t)k;
  }
  ::close(fd);
}

U256 random_scalar() {
  // Rejection sampling on 254-bit candidates: r > 2^253, so over half are accepted; the result is
  // uniform on [1, r).
  const U256 r = Fr::modulus();
  for (;;) {
    uint8_t b[32];
    os_random(b, sizeof b);
    U256 k = u256_load_le(b);
    k.w[3] &= (1ULL << 62) - 1;
    if (u256_cmp(k, r) < 0 && !u256_is_zero(k)) return k;
  }
}

// ------------------------------------------------------------------------------------ output

static std::string q(const std::string& s) { return "\"" + s + "\""; }

std::string proof_json(const Proof& p) {
  // snarkjs's toObject: infinity is [0, 1, 0]; an affine point is [x, y, 1].
  std::string ax = "0", ay = "1", az = "0", cx = "0", cy = "1", cz = "0";
  std::string bx0 = "0", bx1 = "0", by0 = "1", by1 = "0", bz0 = "0";
  if (!p.a.is_infinity()) ax = p.a.x.to_decimal(), ay = p.a.y.to_decimal(), az = "1";
  if (!p.c.is_infinity()) cx = p.c.x.to_decimal(), cy = p.c.y.to_decimal(), cz = "1";
  if (!p.b.is_infinity()) {
    bx0 = p.b.x.c0.to_decimal(), bx1 = p.b.x.c1.to_decimal(), by0 = p.b.y.c0.to_decimal(), by1 = p.b.y.c1.to_decimal(), bz0 = "1";
  }
  std::string s = "{\n";
  s += " \"pi_a\": [\n  " + q(ax) + ",\n  " + q(ay) + ",\n  " + q(az) + "\n ],\n";
  s += " \"pi_b\": [\n  [\n   " + q(bx0) + ",\n   " + q(bx1) + "\n  ],\n  [\n   " + q(by0) + ",\n   " + q(by1) + "\n  ],\n  [\n   " + q(bz0) +
       ",\n   \"0\"\n  ]\n ],\n";
  s += " \"pi_c\": [\n  " + q(cx) + ",\n  " + q(cy) + ",\n  " + q(cz) + "\n ],\n";
  s += " \"protocol\": \"groth16\",\n \"curve\": \"bn128\"\n}";
  return s;
}

std::string public_json(const BigVec<U256>& w, uint32_t n_public) {
  if (n_public == 0) return "[]";
  std::string s = "[\n";
  for (uint32_t i = 1; i <= n_public; i++) s += " " + q(u256_to_decimal(w[i])) + (i < n_public ? ",\n" : "\n");
  return s + "]";
}

void write_file_atomic(const std::string& path, const std::string& content) {
  uint8_t rnd[6];
  os_random(rnd, sizeof rnd);
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".tmp-%d-%02x%02x%02x%02x%02x%02x", (int)getpid(), rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
  const std::string tmp = path + suffix;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError("cannot write " + path + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < content.size()) {
    ssize_t k = ::write(fd, content.data() + off, content.size() - off);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw InputError("cannot write " + path + ": " + std::strerror(e));
    }
    off += (size_t)k;
  }
  if (::close(fd) != 0 || std::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw InputError("cannot write " + path + ": " + std::strerror(e));
  }
}

}  // namespace zkm
