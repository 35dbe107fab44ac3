#include "binfile.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zkm {

MappedFile::MappedFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw InputError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    throw InputError("cannot stat " + path + ": " + std::strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError(path + " is not a regular file");
  }
  size_ = (size_t)st.st_size;
  if (size_ > 0) {
    map_ = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map_ == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      map_ = nullptr;
      throw InputError("cannot map " + path + ": " + std::strerror(e));
    }
    // Every section is read front to back (and most of them more than once): ask for read-ahead.
    madvise(map_, size_, MADV_WILLNEED);
    data_ = (const uint8_t*)map_;
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (map_) munmap(map_, size_);
}

BinFile::BinFile(const std::string& path, const char* magic, uint32_t max_version) : file_(path) {
  const uint8_t* d = file_.data();
  const size_t n = file_.size();
  if (n < 12 || std::memcmp(d, magic, 4) != 0) {
    throw InputError(path + ": not a ." + std::string(magic) + " file (bad magic, expected \"" + magic + "\")");
  }
  const uint32_t version = le32(d + 4);
  if (version == 0 || version > max_version) {
    throw InputError(path + ": unsupported ." + std::string(magic) + " version " + std::to_string(version));
  }
  const uint32_t nsec = le32(d + 8);
  size_t pos = 12;
  for (uint32_t i = 0; i < nsec; i++) {
    if (n - pos < 12) throw InputError(path + ": truncated file (section header " + std::to_string(i) + " is cut off)");
    const uint32_t id = le32(d + pos);
    const uint64_t sz = le64(d + pos + 4);
    pos += 12;
    if (sz > n - pos) {
      throw InputError(path + ": truncated file (section " + std::to_string(id) + " claims " + std::to_string(sz) + " bytes, " +
                       std::to_string(n - pos) + " remain)");
    }
    sections_[id].push_back(Section{d + pos, sz});
    pos += (size_t)sz;
  }
}

Section BinFile::unique(uint32_t id) const {
  auto it = sections_.find(id);
  if (it == sections_.end()) throw InputError(path() + ": missing section " + std::to_string(id));
  if (it->second.size() != 1) throw InputError(path() + ": duplicated section " + std::to_string(id));
  return it->second[0];
}

static void expect_size(const BinFile& f, uint32_t id, const Section& s, uint64_t want, const char* what) {
  if (s.size != want) {
    throw InputError(f.path() + ": section " + std::to_string(id) + " (" + what + ") has " + std::to_string(s.size) +
                     " bytes, expected " + std::to_string(want));
  }
}

ZKey::ZKey(const std::string& path) : file(path, "zkey", 2) {
  const Section s1 = file.unique(1);
  if (s1.size < 4) throw InputError(path + ": section 1 (header) is truncated");
  const uint32_t protocol = le32(s1.p);
  if (protocol != 1) {
    const char* name = protocol == 2 ? "plonk" : protocol == 10 ? "fflonk" : "unknown";
    throw InputError(path + ": not a Groth16 proving key (protocol " + std::to_string(protocol) + ", " + name + ")");
  }
  const Section s2 = file.unique(2);
  const uint8_t* p = s2.p;
  // n8q, q, n8r, r must be BN254's before the rest of the header can be parsed
  if (s2.size < 4 || le32(p) != 32) throw InputError(path + ": not a BN254 key (base field element size is not 32 bytes)");
  if (s2.size < 4 + 32 + 4) throw InputError(path + ": section 2 (Groth16 header) is truncated");
  if (u256_cmp(u256_load_le(p + 4), Fq::modulus()) != 0) throw InputError(path + ": not a BN254 key (wrong base field prime q)");
  if (le32(p + 36) != 32) throw InputError(path + ": not a BN254 key (scalar field element size is not 32 bytes)");
  expect_size(file, 2, s2, 4 + 32 + 4 + 32 + 12 + 3 * 64 + 3 * 128, "Groth16 header");
  if (u256_cmp(u256_load_le(p + 40), Fr::modulus()) != 0) throw InputError(path + ": not a BN254 key (wrong scalar field prime r)");
  p += 72;
  n_vars = le32(p);
  n_public = le32(p + 4);
  domain_size = le32(p + 8);
  p += 12;
  if (domain_size == 0 || (domain_size & (domain_size - 1)) != 0) {
    throw InputError(path + ": domain size " + std::to_string(domain_size) + " is not a power of two");
  }
  while ((1u << power) < domain_size) power++;
  if (power > FR_TWO_ADICITY) throw InputError(path + ": domain size 2^" + std::to_string(power) + " is too large");
  if (n_vars == 0 || n_public >= n_vars) {
    throw InputError(path + ": inconsistent header (" + std::to_string(n_vars) + " variables, " + std::to_string(n_public) + " public)");
  }
  alpha1 = load_g1(p);
  beta1 = load_g1(p + 64);
  beta2 = load_g2(p + 128);
  gamma2 = load_g2(p + 256);
  delta1 = load_g1(p + 384);
  delta2 = load_g2(p + 448);

  const Section s4 = file.unique(4);
  if (s4.size < 4) throw InputError(path + ": section 4 (coefficients) is truncated");
  n_coeffs = le32(s4.p);
  expect_size(file, 4, s4, 4 + (uint64_t)n_coeffs * 44, "coefficients");
  coeffs = Section{s4.p + 4, s4.size - 4};

  a = file.unique(5);
  expect_size(file, 5, a, (uint64_t)n_vars * 64, "A points");
  b1 = file.unique(6);
  expect_size(file, 6, b1, (uint64_t)n_vars * 64, "B1 points");
  b2 = file.unique(7);
  expect_size(file, 7, b2, (uint64_t)n_vars * 128, "B2 points");
  c = file.unique(8);
  expect_size(file, 8, c, (uint64_t)(n_vars - n_public - 1) * 64, "C points");
  h = file.unique(9);
  expect_size(file, 9, h, (uint64_t)domain_size * 64, "H points");
}

Witness::Witness(const std::string& path) {
  BinFile f(path, "wtns", 2);
  const Section s1 = f.unique(1);
  if (s1.size < 4 || le32(s1.p) != 32) throw InputError(path + ": not a BN254 witness (field element size is not 32 bytes)");
  if (s1.size != 4 + 32 + 4) throw InputError(path + ": section 1 (header) has " + std::to_string(s1.size) + " bytes, expected 40");
  if (u256_cmp(u256_load_le(s1.p + 4), Fr::modulus()) != 0) {
    throw InputError(path + ": witness is not over BN254's scalar field (wrong prime)");
  }
  const uint32_t n = le32(s1.p + 36);
  const Section s2 = f.unique(2);
  if (s2.size != (uint64_t)n * 32) {
    throw InputError(path + ": section 2 (values) has " + std::to_string(s2.size) + " bytes, expected " + std::to_string((uint64_t)n * 32));
  }
  values.resize(n);
  const U256 r = Fr::modulus();
  for (uint32_t i = 0; i < n; i++) {
    U256 v = u256_load_le(s2.p + (size_t)i * 32);
    while (u256_cmp(v, r) >= 0) u256_sub(v, r);
    values[i] = v;
  }
}

}  // namespace zkm
