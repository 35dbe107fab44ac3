// zkmargin-prover: a native Groth16 prover for snarkjs .zkey / .wtns files (BN254).
//
//   zkmargin-prover prove <circuit_final.zkey> <witness.wtns> <proof.json> <public.json> [--threads N] [--timings]
//   zkmargin-prover devsetup <circuit.r1cs> <out.zkey> --tau T --alpha A --beta B [--delta D] [--threads N] [--timings]
//   zkmargin-prover newzkey <circuit.r1cs> <prepared.ptau> <out.zkey> [--threads N] [--timings]
//   zkmargin-prover applykey <in.zkey> <out.zkey> [--threads N] [--timings]   (stdin: key, MPC section hex)
//   zkmargin-prover test ...      (arithmetic / MSM / NTT / H drivers for the test suite; see testcmd.cpp)
//   zkmargin-prover --version
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "binfile.hpp"
#include "devsetup.hpp"
#include "phase2.hpp"
#include "zkeyfile.hpp"
#include <iostream>
#include "prover.hpp"
#include "threads.hpp"

namespace zkm {
int test_main(int argc, char** argv);  // testcmd.cpp
}

using namespace zkm;

static const char* VERSION = "zkmargin-prover 1.0.0 (Groth16, BN254, snarkjs 0.7 compatible)";

static void usage(FILE* f) {
  std::fprintf(f,
               "usage: zkmargin-prover prove <circuit_final.zkey> <witness.wtns> <proof.json> <public.json> [--threads N] [--timings]\n"
               "       zkmargin-prover devsetup <circuit.r1cs> <out.zkey> --tau T --alpha A --beta B [--delta D] [--threads N] [--timings]\n"
               "                                  (INSECURE dev key from known secrets, decimal; prints JSON)\n"
               "       zkmargin-prover newzkey <circuit.r1cs> <prepared.ptau> <out.zkey> [--h-tail HEX] [--threads N] [--timings]\n"
               "                                  (snarkjs zkey new, natively; prints JSON)\n"
               "       zkmargin-prover applykey <in.zkey> <out.zkey> [--threads N] [--timings]\n"
               "                                  (phase-2 contribution: stdin holds the secret key (decimal) and\n"
               "                                   the new MPC section (hex), one per line; prints the new deltas)\n"
               "       zkmargin-prover test <command> ...   (drivers for the test suite)\n"
               "       zkmargin-prover --version\n");
}

struct UsageError : std::runtime_error {
  explicit UsageError(const std::string& m) : std::runtime_error(m) {}
};

static int parse_threads(const char* s) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (!*s || *end || v < 1 || v > 1024) throw UsageError(std::string("--threads needs an integer from 1 to 1024, got \"") + s + "\"");
  return (int)v;
}

static int cmd_prove(int argc, char** argv) {
  std::vector<std::string> pos;
  int threads = hardware_threads();
  bool timings = false;
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--threads") {
      if (i + 1 >= argc) throw UsageError("--threads needs a value");
      threads = parse_threads(argv[++i]);
    } else if (a.rfind("--threads=", 0) == 0) {
      threads = parse_threads(a.c_str() + 10);
    } else if (a == "--timings") {
      timings = true;
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 4) throw UsageError("prove needs 4 files: <zkey> <wtns> <proof.json> <public.json>");

  PhaseTimer total, timer;
  Timings tm;
  tm.threads = threads;
  const ZKey zk(pos[0]);
  const Witness wt(pos[1]);
  if (wt.values.size() != zk.n_vars) {
    throw InputError("invalid witness length: the circuit " + pos[0] + " has " + std::to_string(zk.n_vars) + " variables, the witness " + pos[1] + " has " +
                     std::to_string(wt.values.size()));
  }
  timer.stop(&tm, "read");
  const U256 r = random_scalar(), s = random_scalar();
  const Proof p = prove(zk, wt.values, r, s, threads, &tm);
  timer = PhaseTimer();
  write_file_atomic(pos[2], proof_json(p));
  write_file_atomic(pos[3], public_json(wt.values, zk.n_public));
  timer.stop(&tm, "write");
  total.stop(&tm, "total");
  if (timings) std::fprintf(stderr, "%s\n", tm.json().c_str());
  return 0;
}

static U256 parse_secret(const std::string& name, const char* s) {
  U256 v;
  if (!u256_parse_decimal(s, v)) throw UsageError(name + " needs a decimal integer, got \"" + std::string(s) + "\"");
  return v;
}

static std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s.push_back(d[p[i] >> 4]);
    s.push_back(d[p[i] & 15]);
  }
  return s;
}

static int cmd_devsetup(int argc, char** argv) {
  std::vector<std::string> pos;
  int threads = hardware_threads();
  bool timings = false;
  DevSetupSecrets s;
  bool have[3] = {false, false, false};
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) throw UsageError(a + " needs a value");
      return argv[++i];
    };
    if (a == "--threads") {
      threads = parse_threads(value());
    } else if (a == "--timings") {
      timings = true;
    } else if (a == "--tau") {
      s.tau = parse_secret(a, value());
      have[0] = true;
    } else if (a == "--alpha") {
      s.alpha = parse_secret(a, value());
      have[1] = true;
    } else if (a == "--beta") {
      s.beta = parse_secret(a, value());
      have[2] = true;
    } else if (a == "--delta") {
      s.delta = parse_secret(a, value());
      s.has_delta = true;
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("unknown option " + a);
    } else {
      pos.push_back(a);
    }
  }
  if (pos.size() != 2) throw UsageError("devsetup needs 2 files: <circuit.r1cs> <out.zkey>");
  if (!have[0] || !have[1] || !have[2]) throw UsageError("devsetup needs --tau, --alpha and --beta");
  PhaseTimer total;
  Timings tm;
  tm.threads = threads;
  const DevSetupInfo info = dev_setup(pos[0], pos[1], s, threads, &tm);
  total.stop(&tm, "total");
  std::printf("{\"csHash\":\"%s\",\"nVars\":%u,\"nPublic\":%u,\"constraints\":%u,\"domainSize\":%u,\"power\":%d}\n", hex(info.cs_hash, 64).c_str(),
              info.n_vars, info.n_public, info.n_constraints, info.domain_size, info.power);
  if (timings) std::fprintf(stderr, "%s\n", tm.json().c_str());
  return 0;
}

// Positional arguments plus --threads / --timings.
struct CommonArgs {
  std::vector<std::string> pos;
  int threads = hardware_threads();
  bool timings = false;
};
static CommonArgs common_args(int argc, char** argv) {
  CommonArgs a;
  for (int i = 0; i < argc; i++) {
    std::string s = argv[i];
    if (s == "--threads") {
      if (i + 1 >= argc) throw UsageError("--threads needs a value");
      a.threads = parse_threads(argv[++i]);
    } else if (s == "--timings") {
      a.timings = true;
    } else if (s.size() > 1 && s[0] == '-') {
      throw UsageError("unknown option " + s);
    } else {
      a.pos.push_back(s);
    }
  }
  return a;
}

static std::string unhex(const std::string& s, const char* what);

static int cmd_newzkey(int argc, char** argv) {
  std::string tail;
  std::vector<char*> rest;
  for (int i = 0; i < argc; i++) {
    if (std::string(argv[i]) == "--h-tail") {
      if (i + 1 >= argc) throw UsageError("--h-tail needs a value");
      tail = unhex(argv[++i], "--h-tail");
      if (tail.size() != 64) throw UsageError("--h-tail needs 64 bytes of hex");
    } else {
      rest.push_back(argv[i]);
    }
  }
  const CommonArgs a = common_args((int)rest.size(), rest.data());
  if (a.pos.size() != 3) throw UsageError("newzkey needs 3 files: <circuit.r1cs> <prepared.ptau> <out.zkey>");
  PhaseTimer total;
  Timings tm;
  tm.threads = a.threads;
  const ZkeyNewInfo info = zkey_new(a.pos[0], a.pos[1], a.pos[2], tail, a.threads, &tm);
  total.stop(&tm, "total");
  std::printf("{\"csHash\":\"%s\",\"nVars\":%u,\"nPublic\":%u,\"constraints\":%u,\"domainSize\":%u,\"power\":%d,\"ptauPower\":%d}\n",
              hex(info.cs_hash, 64).c_str(), info.n_vars, info.n_public, info.n_constraints, info.domain_size, info.power, info.ptau_power);
  if (a.timings) std::fprintf(stderr, "%s\n", tm.json().c_str());
  return 0;
}

static std::string unhex(const std::string& s, const char* what) {
  if (s.size() % 2) throw UsageError(std::string(what) + ": odd number of hex digits");
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto nib = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      throw UsageError(std::string(what) + ": not hex");
    };
    out.push_back((char)(nib(s[i]) * 16 + nib(s[i + 1])));
  }
  return out;
}

static int cmd_applykey(int argc, char** argv) {
  const CommonArgs a = common_args(argc, argv);
  if (a.pos.size() != 2) throw UsageError("applykey needs 2 files: <in.zkey> <out.zkey>");
  std::string key_line, mpc_line;
  if (!std::getline(std::cin, key_line) || !std::getline(std::cin, mpc_line)) throw UsageError("applykey reads two lines on stdin: the key, the MPC section in hex");
  const U256 key = parse_secret("the key", key_line.c_str());
  const std::string mpc = unhex(mpc_line, "the MPC section");
  PhaseTimer total;
  Timings tm;
  tm.threads = a.threads;
  const ApplyKeyResult r = apply_key(a.pos[0], a.pos[1], key, mpc, a.threads, &tm);
  total.stop(&tm, "total");
  uint8_t d1[64], d2[128];
  store_g1(r.delta1, d1);
  store_g2(r.delta2, d2);
  std::printf("{\"delta1\":\"%s\",\"delta2\":\"%s\"}\n", hex(d1, 64).c_str(), hex(d2, 128).c_str());
  if (a.timings) std::fprintf(stderr, "%s\n", tm.json().c_str());
  return 0;
}

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      usage(stderr);
      return 2;
    }
    const std::string cmd = argv[1];
    if (cmd == "--version" || cmd == "version") {
      std::printf("%s\n", VERSION);
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      usage(stdout);
      return 0;
    }
    if (cmd == "prove") return cmd_prove(argc - 2, argv + 2);
    if (cmd == "newzkey") return cmd_newzkey(argc - 2, argv + 2);
    if (cmd == "applykey") return cmd_applykey(argc - 2, argv + 2);
    if (cmd == "devsetup") return cmd_devsetup(argc - 2, argv + 2);
    if (cmd == "test") return test_main(argc - 2, argv + 2);
    throw UsageError("unknown command \"" + cmd + "\"");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "zkmargin-prover: %s\n", e.what());
    usage(stderr);
    return 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "zkmargin-prover: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "zkmargin-prover: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zkmargin-prover: error: %s\n", e.what());
    return 1;
  }
}
