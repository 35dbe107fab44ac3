// zkmargin-prover: a native Groth16 prover for snarkjs .zkey / .wtns files (BN254).
//
//   zkmargin-prover prove <circuit_final.zkey> <witness.wtns> <proof.json> <public.json> [--threads N] [--timings]
//   zkmargin-prover test ...      (arithmetic / MSM / NTT / H drivers for the test suite; see testcmd.cpp)
//   zkmargin-prover --version
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "binfile.hpp"
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
