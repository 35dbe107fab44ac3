// `zkmargin-prover test ...`: drivers that let the JavaScript test suite check each layer against
// JS bigints, ffjavascript and snarkjs. Not part of proving.
//
//   test arith            one command per stdin line, one answer per stdout line (below)
//   test msm-zkey <zkey> <section 5..9> <scalars.bin> [--threads N] [--window C] [--affine 0|1] [--group 0|1] [--endo -1|0|1]
//                         MSM of a key's point section with plain 32-byte little-endian scalars
//                         (one per point); prints the affine result like `arith` does
//   test h <zkey> <wtns> <out.bin> [--threads N]
//                         writes the H scalars (domain size x 32 bytes, plain, little-endian)
//   test ntt <in.bin> <out.bin> [--inverse] [--threads N]
//                         Fr.fft / Fr.ifft of plain 32-byte little-endian elements
//   test prove-rs <zkey> <wtns> <r> <s> [--threads N]
//                         a proof with the given blinding factors, JSON on stdout
//
// `arith` lines: numbers are decimal; a G1 point is "x y", a G2 point "x0 x1 y0 y1" (plain
// coordinates), (0, 0) being the point at infinity, as in a .zkey.
//   fq_add|fq_sub|fq_mul a b     fq_sqr|fq_inv|fq_neg a      (same with fr_)
//   fq_vinv a       the variable-time inverse (binary extended Euclid) the MSM uses
//   fq2_add|fq2_sub|fq2_mul a0 a1 b0 b1     fq2_sqr|fq2_inv|fq2_neg a0 a1
//   g1_add P Q      Jacobian + Jacobian (each input given a Z other than 1)
//   g1_madd P Q     Jacobian + affine
//   g1_dbl P        g1_neg P        g1_mul P k        g1_oncurve P (prints 1 or 0)
//   g2_... the same on G2
//   g1_msm|g2_msm <window 0=auto> <affine -1|0|1> <threads> <group 0|1> <n> P1 k1 ... Pn kn
//   g1_msmx|g2_msmx <window> <affine> <threads> <group> <endo -1|0|1> <n> P1 k1 ... Pn kn
//                   the same with the endomorphism split chosen (-1 by the cost model, as g1_msm)
//   g1_endo P       phi(P) = (beta x, y)        g2_endo P     psi(P) (untwist-Frobenius-twist)
//   g1_split k      the endomorphism split of k mod r: "k1 k2" (signed decimals), k = k1 + k2 lambda
//   g2_split k      the same with mu (k = k1 + k2 mu mod r)
//   fr_fft|fr_ifft <threads> <n> v1 ... vn
//   fr_root k       Fr.w[k]
// Answers are decimal values separated by spaces, or "error <message>".
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "binfile.hpp"
#include "msm.hpp"
#include "ntt.hpp"
#include "prover.hpp"

namespace zkm {

namespace {

struct Args {
  std::vector<std::string> t;
  size_t i = 0;
  const std::string& next() {
    if (i >= t.size()) throw InputError("missing argument");
    return t[i++];
  }
  U256 num() {
    const std::string& s = next();
    U256 v;
    if (!u256_parse_decimal(s, v)) throw InputError("bad number " + s);
    return v;
  }
  long integer() {
    const std::string& s = next();
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end) throw InputError("bad integer " + s);
    return v;
  }
  void done() const {
    if (i != t.size()) throw InputError("too many arguments");
  }
};

// Plain coordinates must be < p (the arithmetic assumes reduced inputs).
template <class P>
Fp<P> field_arg(Args& a) {
  U256 v = a.num();
  if (u256_cmp(v, Fp<P>::modulus()) >= 0) throw InputError("field element not below the modulus");
  return Fp<P>::from_u256(v);
}
Fq2 fq2_arg(Args& a) {
  Fq2 r;
  r.c0 = field_arg<FqParams>(a);
  r.c1 = field_arg<FqParams>(a);
  return r;
}
template <class F>
F coord_arg(Args& a);
template <>
Fq coord_arg<Fq>(Args& a) { return field_arg<FqParams>(a); }
template <>
Fq2 coord_arg<Fq2>(Args& a) { return fq2_arg(a); }

template <class F>
Affine<F> point_arg(Args& a) {
  Affine<F> p;
  p.x = coord_arg<F>(a);
  p.y = coord_arg<F>(a);
  return p;
}

std::string show(const Fq& x) { return x.to_decimal(); }
std::string show(const Fr& x) { return x.to_decimal(); }
std::string show(const Fq2& x) { return x.c0.to_decimal() + " " + x.c1.to_decimal(); }
template <class F>
std::string show(const Affine<F>& p) {
  return show(p.x) + " " + show(p.y);
}
template <class F>
std::string show(const Jacobian<F>& p) {
  return show(to_affine(p));
}

// A Jacobian copy of an affine point with Z = z (X z^2, Y z^3, z), to exercise the general formulas.
template <class F>
Jacobian<F> rescaled(const Affine<F>& a, uint64_t zv) {
  if (a.is_infinity()) return Jacobian<F>::infinity();
  F z;
  if constexpr (std::is_same<F, Fq>::value) {
    z = Fq::from_u64(zv);
  } else {
    z = Fq2{Fq::from_u64(zv), Fq::from_u64(zv + 7)};
  }
  const F z2 = sqr(z);
  return Jacobian<F>{a.x * z2, a.y * z2 * z, z};
}

// Serializes affine points in the .zkey layout (Montgomery limbs) for msm().
template <class F>
void append_point(std::vector<uint8_t>& buf, const Affine<F>& p) {
  const size_t o = buf.size();
  buf.resize(o + sizeof(Affine<F>));
  std::memcpy(buf.data() + o, &p, sizeof(Affine<F>));
}

template <class F>
std::string group_op(const std::string& op, Args& a) {
  if (op == "add") {
    Affine<F> p = point_arg<F>(a), q = point_arg<F>(a);
    a.done();
    return show(jac_add(rescaled(p, 2), rescaled(q, 3)));
  }
  if (op == "madd") {
    Affine<F> p = point_arg<F>(a), q = point_arg<F>(a);
    a.done();
    return show(jac_add_mixed(rescaled(p, 5), q));
  }
  if (op == "dbl") {
    Affine<F> p = point_arg<F>(a);
    a.done();
    return show(jac_double(rescaled(p, 3)));
  }
  if (op == "neg") {
    Affine<F> p = point_arg<F>(a);
    a.done();
    return show(neg(p));
  }
  if (op == "mul") {
    Affine<F> p = point_arg<F>(a);
    U256 k = a.num();
    a.done();
    return show(scalar_mul(rescaled(p, 2), k));
  }
  if (op == "oncurve") {
    Affine<F> p = point_arg<F>(a);
    a.done();
    return on_curve(p) ? "1" : "0";
  }
  if (op == "endo") {
    Affine<F> p = point_arg<F>(a);
    a.done();
    return show(Endo<F>::map(p));
  }
  if (op == "split") {
    const U256 k = reduce_scalar(a.num());
    a.done();
    const EndoSplit sp = endo_split(k, Endo<F>::lattice());
    auto dec = [](u128 v, bool negative) {
      const std::string d = u256_to_decimal(U256{{(uint64_t)v, (uint64_t)(v >> 64), 0, 0}});
      return negative && v != 0 ? "-" + d : d;
    };
    return dec(sp.k1, sp.neg1) + " " + dec(sp.k2, sp.neg2);
  }
  if (op == "msm" || op == "msmx") {
    MsmOptions opt;
    opt.window = (int)a.integer();
    opt.affine = (int)a.integer();
    opt.threads = (int)a.integer();
    opt.group = a.integer() != 0;
    if (op == "msmx") opt.endo = (int)a.integer();
    const long n = a.integer();
    if (n < 0 || n > 10000000) throw InputError("bad n");
    std::vector<uint8_t> bases;
    std::vector<U256> ks;
    for (long i = 0; i < n; i++) {
      append_point(bases, point_arg<F>(a));
      ks.push_back(a.num());
    }
    a.done();
    return show(msm<F>(bases.data(), ks.data(), (size_t)n, opt));
  }
  throw InputError("unknown group operation " + op);
}

template <class P>
std::string field_op(const std::string& op, Args& a) {
  typedef Fp<P> F;
  if (op == "add" || op == "sub" || op == "mul") {
    F x = field_arg<P>(a), y = field_arg<P>(a);
    a.done();
    return show(op == "add" ? x + y : op == "sub" ? x - y : x * y);
  }
  if (op == "sqr" || op == "inv" || op == "neg" || op == "vinv") {
    F x = field_arg<P>(a);
    a.done();
    return show(op == "sqr" ? sqr(x) : op == "inv" ? inv(x) : op == "vinv" ? inv_vartime(x) : -x);
  }
  throw InputError("unknown field operation " + op);
}

std::string fq2_op(const std::string& op, Args& a) {
  if (op == "add" || op == "sub" || op == "mul") {
    Fq2 x = fq2_arg(a), y = fq2_arg(a);
    a.done();
    return show(op == "add" ? x + y : op == "sub" ? x - y : x * y);
  }
  if (op == "sqr" || op == "inv" || op == "neg") {
    Fq2 x = fq2_arg(a);
    a.done();
    return show(op == "sqr" ? sqr(x) : op == "inv" ? inv(x) : -x);
  }
  throw InputError("unknown fq2 operation " + op);
}

std::string ntt_op(bool inverse, Args& a) {
  const int threads = (int)a.integer();
  const long n = a.integer();
  if (n <= 0 || (n & (n - 1)) != 0 || n > (1L << 24)) throw InputError("n must be a power of two");
  std::vector<Fr> v((size_t)n);
  for (long i = 0; i < n; i++) v[(size_t)i] = field_arg<FrParams>(a);
  a.done();
  int log_n = 0;
  while ((1L << log_n) < n) log_n++;
  ntt(v.data(), log_n, inverse, threads);
  std::string out;
  for (long i = 0; i < n; i++) out += (i ? " " : "") + show(v[(size_t)i]);
  return out;
}

std::string arith_line(const std::string& line) {
  Args a;
  std::istringstream is(line);
  std::string tok;
  while (is >> tok) a.t.push_back(tok);
  if (a.t.empty()) return "";
  const std::string cmd = a.next();
  const size_t us = cmd.find('_');
  if (us == std::string::npos) throw InputError("unknown command " + cmd);
  const std::string dom = cmd.substr(0, us), op = cmd.substr(us + 1);
  if (dom == "fq") return field_op<FqParams>(op, a);
  if (dom == "fr") {
    if (op == "fft" || op == "ifft") return ntt_op(op == "ifft", a);
    if (op == "root") {
      long k = a.integer();
      a.done();
      if (k < 0 || k > FR_TWO_ADICITY) throw InputError("k out of range");
      return show(fr_root_of_unity((int)k));
    }
    return field_op<FrParams>(op, a);
  }
  if (dom == "fq2") return fq2_op(op, a);
  if (dom == "g1") return group_op<Fq>(op, a);
  if (dom == "g2") return group_op<Fq2>(op, a);
  throw InputError("unknown command " + cmd);
}

int arith_main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    std::string out;
    try {
      out = arith_line(line);
    } catch (const std::exception& e) {
      out = std::string("error ") + e.what();
    }
    std::cout << out << '\n';
  }
  std::cout.flush();
  return 0;
}

std::vector<uint8_t> read_all(const std::string& path) {
  MappedFile f(path);
  return std::vector<uint8_t>(f.data(), f.data() + f.size());
}

std::vector<U256> read_scalars(const std::string& path, size_t n) {
  std::vector<uint8_t> b = read_all(path);
  if (b.size() != n * 32) throw InputError(path + ": expected " + std::to_string(n * 32) + " bytes, found " + std::to_string(b.size()));
  std::vector<U256> v(n);
  for (size_t i = 0; i < n; i++) v[i] = u256_load_le(b.data() + i * 32);
  return v;
}

template <class Vec>
void write_elements(const std::string& path, const Vec& v) {
  std::string s(v.size() * 32, '\0');
  for (size_t i = 0; i < v.size(); i++) u256_store_le(v[i], (uint8_t*)&s[i * 32]);
  write_file_atomic(path, s);
}

// Splits off --threads / --window / --affine / --group / --endo / --inverse.
struct FileOpts {
  std::vector<std::string> pos;
  MsmOptions msm;
  bool inverse = false;
};
FileOpts file_opts(int argc, char** argv) {
  FileOpts o;
  o.msm.threads = hardware_threads();
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&]() -> long {
      if (i + 1 >= argc) throw InputError(a + " needs a value");
      return std::strtol(argv[++i], nullptr, 10);
    };
    if (a == "--threads") o.msm.threads = (int)std::max(1L, val());
    else if (a == "--window") o.msm.window = (int)val();
    else if (a == "--affine") o.msm.affine = (int)val();
    else if (a == "--group") o.msm.group = val() != 0;
    else if (a == "--endo") o.msm.endo = (int)val();
    else if (a == "--inverse") o.inverse = true;
    else o.pos.push_back(a);
  }
  return o;
}

}  // namespace

int test_main(int argc, char** argv) {
  if (argc < 1) throw InputError("test needs a command: arith | msm-zkey | h | ntt | prove-rs");
  const std::string cmd = argv[0];
  FileOpts o = file_opts(argc - 1, argv + 1);
  if (cmd == "arith") return arith_main();
  if (cmd == "msm-zkey") {
    if (o.pos.size() != 3) throw InputError("usage: test msm-zkey <zkey> <section> <scalars.bin>");
    ZKey zk(o.pos[0]);
    const int sec = std::atoi(o.pos[1].c_str());
    const Section s = sec == 5 ? zk.a : sec == 6 ? zk.b1 : sec == 7 ? zk.b2 : sec == 8 ? zk.c : sec == 9 ? zk.h : Section{};
    if (!s.p) throw InputError("section must be 5..9");
    const size_t n = s.size / (sec == 7 ? 128 : 64);
    std::vector<U256> k = read_scalars(o.pos[2], n);
    std::string out = sec == 7 ? show(msm<Fq2>(s.p, k.data(), n, o.msm)) : show(msm<Fq>(s.p, k.data(), n, o.msm));
    std::printf("%s\n", out.c_str());
    return 0;
  }
  if (cmd == "h") {
    if (o.pos.size() != 3) throw InputError("usage: test h <zkey> <wtns> <out.bin>");
    ZKey zk(o.pos[0]);
    Witness w(o.pos[1]);
    if (w.values.size() != zk.n_vars) throw InputError("invalid witness length");
    write_elements(o.pos[2], h_scalars(zk, w.values, o.msm.threads, nullptr));
    return 0;
  }
  if (cmd == "ntt") {
    if (o.pos.size() != 2) throw InputError("usage: test ntt <in.bin> <out.bin> [--inverse]");
    std::vector<uint8_t> b = read_all(o.pos[0]);
    const size_t n = b.size() / 32;
    if (n == 0 || b.size() % 32 || (n & (n - 1))) throw InputError("input must be 2^k elements of 32 bytes");
    std::vector<Fr> v(n);
    for (size_t i = 0; i < n; i++) v[i] = Fr::from_u256(u256_load_le(b.data() + i * 32));
    int log_n = 0;
    while (((size_t)1 << log_n) < n) log_n++;
    ntt(v.data(), log_n, o.inverse, o.msm.threads);
    std::vector<U256> out(n);
    for (size_t i = 0; i < n; i++) out[i] = v[i].to_u256();
    write_elements(o.pos[1], out);
    return 0;
  }
  if (cmd == "prove-rs") {
    if (o.pos.size() != 4) throw InputError("usage: test prove-rs <zkey> <wtns> <r> <s>");
    ZKey zk(o.pos[0]);
    Witness w(o.pos[1]);
    U256 r, s;
    if (!u256_parse_decimal(o.pos[2], r) || !u256_parse_decimal(o.pos[3], s)) throw InputError("bad r or s");
    Proof p = prove(zk, w.values, reduce_scalar(r), reduce_scalar(s), o.msm.threads, nullptr);
    std::printf("%s\n", proof_json(p).c_str());
    return 0;
  }
  throw InputError("unknown test command " + cmd);
}

}  // namespace zkm
