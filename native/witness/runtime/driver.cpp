// zkmargin-witness: circom's generated witness code for one circuit, driven like snarkjs's wasm
// witness calculator (src/prove/nativeWitness.ts builds one per circuit hash).
//
//   <binary> <circuit.dat> <input.json | -> <out.wtns> [--timings]
//
// The input is the JSON object snarkjs takes: signal name -> value or (nested) array of values,
// each a decimal string (optionally negative), a 0x / 0o / 0b string, or an integer number; values
// are taken mod p, as the wasm calculator does. The output is the .wtns file snarkjs writes
// (version 2, two sections), written to a temporary file and renamed, mode 0600.
// Exit codes: 0 done; 3 the circuit refused the input (a failed assert or ===, or a division by
// zero, in the witness code); 1 bad input, .dat or output file; 2 usage. One message on stderr.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "calcwit.hpp"
#include "circom.hpp"
#include "failure.hpp"
#include "fr.hpp"

namespace {

using zkm_witness::Failure;

std::ostringstream* g_circuitOutput = nullptr;  // what the generated code prints (asserts, log())

struct InputError : std::runtime_error {
  explicit InputError(const std::string& m) : std::runtime_error(m) {}
};

// ------------------------------------------------------------------------------------ .dat file
class DatReader {
 public:
  DatReader(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  const uint8_t* take(size_t bytes, const char* what) {
    if (bytes > n_ - off_) throw InputError(std::string("the .dat file is truncated (") + what + ")");
    const uint8_t* r = p_ + off_;
    off_ += bytes;
    return r;
  }
  u32 u32v(const char* what) {
    u32 v;
    std::memcpy(&v, take(4, what), 4);
    return v;
  }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t off_ = 0;
};

void readIoDefs(DatReader& r, IOFieldDefPair& pair) {
  pair.len = r.u32v("io map");
  if (pair.len > (1u << 24)) throw InputError("the .dat file has an implausible io map");
  pair.defs = new IOFieldDef[pair.len ? pair.len : 1];
  for (u32 j = 0; j < pair.len; j++) {
    IOFieldDef& d = pair.defs[j];
    d.offset = r.u32v("io map");
    d.len = r.u32v("io map");
    if (d.len > (1u << 20)) throw InputError("the .dat file has an implausible io map");
    d.lengths = new u32[d.len ? d.len : 1];
    if (d.len) std::memcpy(d.lengths, r.take((size_t)d.len * 4, "io map"), (size_t)d.len * 4);
    d.size = r.u32v("io map");
    d.busId = r.u32v("io map");
  }
}

Circom_Circuit* loadCircuit(const std::string& file) {
  const int fd = open(file.c_str(), O_RDONLY);
  if (fd < 0) throw InputError("cannot open " + file + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    throw InputError("cannot stat " + file);
  }
  const size_t size = (size_t)st.st_size;
  void* map = size ? mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
  close(fd);
  if (size && map == MAP_FAILED) throw InputError("cannot map " + file);
  DatReader r((const uint8_t*)map, size);
  Circom_Circuit* c = new Circom_Circuit;
  const size_t nh = get_size_of_input_hashmap(), nw = get_size_of_witness(), nc = get_size_of_constants();
  c->InputHashMap = new HashSignalInfo[nh ? nh : 1];
  std::memcpy((void*)c->InputHashMap, r.take(nh * sizeof(HashSignalInfo), "input table"), nh * sizeof(HashSignalInfo));
  c->witness2SignalList = new u64[nw ? nw : 1];
  std::memcpy(c->witness2SignalList, r.take(nw * 8, "witness map"), nw * 8);
  for (size_t i = 0; i < nw; i++) {
    if (c->witness2SignalList[i] >= get_total_signal_no()) throw InputError("the .dat file maps a witness to a missing signal");
  }
  // the constants are used where they lie in the (private, copy-on-write) mapping, which stays
  c->circuitConstants = (FrElement*)r.take(nc * sizeof(FrElement), "constants");
  const size_t nio = get_size_of_io_map();
  if (nio > 0) {
    std::vector<u32> index(nio);
    std::memcpy(index.data(), r.take(nio * 4, "io map index"), nio * 4);
    u32 maxId = 0;
    for (size_t i = 0; i < nio; i++) maxId = index[i] > maxId ? index[i] : maxId;
    if (maxId > (1u << 24)) throw InputError("the .dat file has an implausible template id");
    c->templateInsId2IOSignalInfo.size = maxId + 1;
    c->templateInsId2IOSignalInfo.entries = new IOFieldDefPair[maxId + 1]();
    for (size_t i = 0; i < nio; i++) readIoDefs(r, c->templateInsId2IOSignalInfo[index[i]]);
    const size_t nb = get_size_of_bus_field_map();
    c->busInsId2FieldInfo = new IOFieldDefPair[nb ? nb : 1];
    for (size_t i = 0; i < nb; i++) readIoDefs(r, c->busInsId2FieldInfo[i]);
  } else {
    c->busInsId2FieldInfo = nullptr;
  }
  return c;
}

// ------------------------------------------------------------------------------------ JSON input
// Just enough JSON for snarkjs's input object: an object of values or nested arrays of values.
class Json {
 public:
  explicit Json(std::string text) : s_(std::move(text)) {}

  // key -> flattened value list, in the file's order
  std::vector<std::pair<std::string, std::vector<FrElement>>> inputs() {
    std::vector<std::pair<std::string, std::vector<FrElement>>> out;
    ws();
    expect('{');
    ws();
    if (peek() == '}') {
      i_++;
    } else {
      for (;;) {
        ws();
        std::string key = str();
        ws();
        expect(':');
        std::vector<FrElement> vals;
        value(key, vals, 0);
        out.emplace_back(std::move(key), std::move(vals));
        ws();
        if (peek() == ',') {
          i_++;
          continue;
        }
        expect('}');
        break;
      }
    }
    ws();
    if (i_ != s_.size()) bad("trailing characters after the input object");
    return out;
  }

 private:
  std::string s_;
  size_t i_ = 0;

  [[noreturn]] void bad(const std::string& what) { throw InputError("bad input JSON at offset " + std::to_string(i_) + ": " + what); }
  char peek() { return i_ < s_.size() ? s_[i_] : '\0'; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) i_++;
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "'");
    i_++;
  }
  std::string str() {
    expect('"');
    std::string r;
    for (;;) {
      if (i_ >= s_.size()) bad("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return r;
      if (c == '\\') {
        const char e = peek();
        i_++;
        switch (e) {
          case '"': r += '"'; break;
          case '\\': r += '\\'; break;
          case '/': r += '/'; break;
          case 'b': r += '\b'; break;
          case 'f': r += '\f'; break;
          case 'n': r += '\n'; break;
          case 'r': r += '\r'; break;
          case 't': r += '\t'; break;
          default: bad("unsupported escape in a string");
        }
      } else {
        r += c;
      }
    }
  }
  void value(const std::string& key, std::vector<FrElement>& out, int depth) {
    if (depth > 16) bad("arrays nested too deeply");
    ws();
    const char c = peek();
    if (c == '[') {
      i_++;
      ws();
      if (peek() == ']') {
        i_++;
        return;
      }
      for (;;) {
        value(key, out, depth + 1);
        ws();
        if (peek() == ',') {
          i_++;
          continue;
        }
        expect(']');
        return;
      }
    }
    std::string text;
    bool quoted = false;
    if (c == '"') {
      text = str();
      quoted = true;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t b = i_;
      while (i_ < s_.size() && std::strchr("+-0123456789.eE", s_[i_])) i_++;
      text = s_.substr(b, i_ - b);
    } else {
      bad("input " + key + ": expected a number, a string or an array");
    }
    out.push_back(number(key, text, quoted));
  }
  // A value as JavaScript's BigInt() reads it (what snarkjs's wasm calculator does), mod p.
  FrElement number(const std::string& key, std::string t, bool quoted) {
    size_t b = 0, e = t.size();
    if (quoted) {
      while (b < e && std::strchr(" \t\n\r\f\v", t[b])) b++;
      while (e > b && std::strchr(" \t\n\r\f\v", t[e - 1])) e--;
    }
    std::string v = t.substr(b, e - b);
    FrElement r;
    if (v.empty()) {
      if (!quoted) bad("input " + key + ": empty number");
      Fr_str2element(&r, "0", 10);  // BigInt("") is 0
      return r;
    }
    bool neg = false;
    unsigned base = 10;
    size_t at = 0;
    if (v[0] == '-' || v[0] == '+') {
      if (!quoted && v[0] == '+') bad("input " + key + ": not a number");
      neg = v[0] == '-';
      at = 1;
    } else if (v.size() > 2 && v[0] == '0' && std::strchr("xXoObB", v[1])) {
      base = (v[1] == 'x' || v[1] == 'X') ? 16 : (v[1] == 'o' || v[1] == 'O') ? 8 : 2;
      at = 2;
    }
    if (!quoted && v.find_first_of(".eE") != std::string::npos) bad("input " + key + ": " + v + " is not an integer");
    if (!Fr_parse(&r, v.data() + at, v.size() - at, base)) throw InputError("input " + key + ": cannot convert " + t + " to an integer");
    if (neg) {
      FrElement z;
      Fr_str2element(&z, "0", 10);
      Fr_sub(&r, &z, &r);
    }
    return r;
  }
};

std::string readAll(const std::string& file) {
  FILE* f = file == "-" ? stdin : std::fopen(file.c_str(), "rb");
  if (!f) throw InputError("cannot open " + file + ": " + std::strerror(errno));
  std::string s;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  const bool err = std::ferror(f);
  if (f != stdin) std::fclose(f);
  if (err) throw InputError("cannot read " + file);
  return s;
}

// ------------------------------------------------------------------------------------ .wtns output
void writeWtns(Circom_CalcWit& ctx, const std::string& file) {
  const u32 nw = get_size_of_witness();
  const std::string tmp = file + ".tmp-" + std::to_string(getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw InputError("cannot write " + tmp + ": " + std::strerror(errno));
  // through a 256 KB buffer
  std::vector<uint8_t> buf;
  buf.reserve(1 << 18);
  bool ok = true;
  auto flush = [&]() {
    size_t done = 0;
    while (ok && done < buf.size()) {
      const ssize_t w = write(fd, buf.data() + done, buf.size() - done);
      if (w <= 0) ok = false;
      else done += (size_t)w;
    }
    buf.clear();
  };
  auto put = [&](const void* p, size_t n) {
    if (buf.size() + n > buf.capacity()) flush();
    buf.insert(buf.end(), (const uint8_t*)p, (const uint8_t*)p + n);
  };
  auto put32 = [&](u32 v) { put(&v, 4); };
  auto put64 = [&](uint64_t v) { put(&v, 8); };
  put("wtns", 4);
  put32(2);  // version
  put32(2);  // sections
  put32(1);
  put64(8 + 32);
  put32(32);
  put(Fr_q.longVal, 32);
  put32(nw);
  put32(2);
  put64((uint64_t)32 * nw);
  for (u32 i = 0; i < nw; i++) {
    FrElement v;
    ctx.getWitness(i, &v);
    uint64_t raw[4];
    Fr_toRaw(raw, &v);
    put(raw, 32);
  }
  flush();
  if (!ok) {
    close(fd);
    unlink(tmp.c_str());
    throw InputError("cannot write " + tmp);
  }
  if (close(fd) != 0 || std::rename(tmp.c_str(), file.c_str()) != 0) {
    unlink(tmp.c_str());
    throw InputError("cannot write " + file);
  }
}

double msSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::string lastLine(const std::string& s) {
  size_t e = s.find_last_not_of('\n');
  if (e == std::string::npos) return "";
  size_t b = s.rfind('\n', e);
  return s.substr(b == std::string::npos ? 0 : b + 1, e - (b == std::string::npos ? 0 : b + 1) + 1);
}

}  // namespace

namespace zkm_witness {
void assertFailed(const char* expr, const char* file, int line) {
  const std::string said = g_circuitOutput ? lastLine(g_circuitOutput->str()) : "";
  if (said.rfind("Failed assert", 0) == 0) throw Failure(said);
  throw Failure(std::string("internal check failed: ") + expr + " (" + file + ":" + std::to_string(line) + ")");
}
}  // namespace zkm_witness

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  bool timings = false;
  for (int i = 1; i < argc; i++) {
    const std::string a = argv[i];
    if (a == "--timings") timings = true;
    else pos.push_back(a);
  }
  if (pos.size() != 3) {
    std::fprintf(stderr, "usage: %s <circuit.dat> <input.json | -> <out.wtns> [--timings]\n", argv[0]);
    return 2;
  }
  std::ostringstream circuitOutput;
  g_circuitOutput = &circuitOutput;
  std::streambuf* coutBuf = std::cout.rdbuf(circuitOutput.rdbuf());
  // what the circuit printed goes to stderr; `skip` (the failure message) is not repeated
  auto flushCircuitOutput = [&](const std::string& skip = "") {
    std::cout.rdbuf(coutBuf);
    std::string s = circuitOutput.str();
    if (!skip.empty() && lastLine(s) == skip) s.resize(s.rfind(skip));
    if (!s.empty()) std::fputs(s.c_str(), stderr);
  };
  const auto t0 = std::chrono::steady_clock::now();
  double tLoad = 0, tInput = 0, tCalc = 0, tWrite = 0;
  bool running = false;
  try {
    Circom_Circuit* circuit = loadCircuit(pos[0]);
    tLoad = msSince(t0);
    auto t = std::chrono::steady_clock::now();
    Json json(readAll(pos[1]));
    auto inputs = json.inputs();
    Circom_CalcWit ctx(circuit);
    tInput = msSince(t);
    t = std::chrono::steady_clock::now();
    u64 set = 0;
    for (auto& [key, vals] : inputs) {
      const u64 h = fnv1a(key);
      const long long size = ctx.getInputSignalSize(h);
      if (size < 0) throw InputError("Signal " + key + " not found");
      if ((long long)vals.size() < size) throw InputError("Not enough values for input signal " + key);
      if ((long long)vals.size() > size) throw InputError("Too many values for input signal " + key);
      for (size_t i = 0; i < vals.size(); i++) {
        // the circuit runs when the last input is set
        running = ctx.getRemaingInputsToBeSet() == 1;
        ctx.setInputSignal(h, (uint)i, vals[i]);
        running = false;
        set++;
      }
    }
    if (ctx.getRemaingInputsToBeSet() != 0) {
      throw InputError("Not all inputs have been set. Only " + std::to_string(set) + " out of " + std::to_string(get_main_input_signal_no()));
    }
    tCalc = msSince(t);
    t = std::chrono::steady_clock::now();
    writeWtns(ctx, pos[2]);
    tWrite = msSince(t);
  } catch (const Failure& e) {
    flushCircuitOutput(e.what());
    if (running) {
      std::fprintf(stderr, "the circuit refused the input: %s\n", e.what());
      return 3;
    }
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    flushCircuitOutput();
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  flushCircuitOutput();
  if (timings) {
    std::fprintf(stderr, "{\"load\":%.3f,\"input\":%.3f,\"calc\":%.3f,\"write\":%.3f,\"total\":%.3f}\n", tLoad, tInput, tCalc, tWrite, msSince(t0));
  }
  return 0;
}
