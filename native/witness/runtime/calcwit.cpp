// The witness context: the main component's inputs, then circom's generated code runs.
#include "calcwit.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <string>

extern void run(Circom_CalcWit* ctx);

u64 fnv1a(std::string s) {
  u64 hash = 0xCBF29CE484222325ULL;
  for (char c : s) {
    hash ^= (u64)(unsigned char)c;
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

namespace {
// The signal values (40 bytes each; `standard` has hundreds of thousands) in zeroed memory from
// mmap, asking for transparent huge pages: first touches of 4 KB pages were a third of the time.
const size_t HUGE_PAGE = 2u << 20;

FrElement* allocSignals(size_t n, void** base, size_t* length) {
  const size_t bytes = n * sizeof(FrElement);
  const size_t len = (bytes + 2 * HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    *base = nullptr;
    *length = 0;
    return new FrElement[n]();
  }
  *base = p;
  *length = len;
  const uintptr_t aligned = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
  madvise((void*)aligned, len - (aligned - (uintptr_t)p), MADV_HUGEPAGE);
#endif
  return (FrElement*)aligned;
}
}  // namespace

Circom_CalcWit::Circom_CalcWit(Circom_Circuit* aCircuit, uint maxTh) {
  circuit = aCircuit;
  inputSignalAssignedCounter = get_main_input_signal_no();
  inputSignalAssigned = new bool[inputSignalAssignedCounter]();
  signalValues = allocSignals(get_total_signal_no(), &signalBase, &signalLength);
  Fr_str2element(&signalValues[0], "1", 10);
  componentMemory = new Circom_Component[get_number_of_components()];
  circuitConstants = circuit->circuitConstants;
  templateInsId2IOSignalInfo = circuit->templateInsId2IOSignalInfo;
  busInsId2FieldInfo = circuit->busInsId2FieldInfo;
  listOfTemplateMessages = nullptr;
  numThread = 0;
  maxThread = (int)maxTh;
}

Circom_CalcWit::~Circom_CalcWit() {
  delete[] inputSignalAssigned;
  if (signalBase) munmap(signalBase, signalLength);
  else delete[] signalValues;
  delete[] componentMemory;
}

long long Circom_CalcWit::getInputSignalHashPosition(u64 h) {
  const uint n = get_size_of_input_hashmap();
  if (n == 0) return -1;
  uint pos = (uint)(h % (u64)n);
  for (uint k = 0; k < n; k++, pos = (pos + 1) % n) {
    const HashSignalInfo& e = circuit->InputHashMap[pos];
    if (e.hash == h) return pos;
    if (e.hash == 0 && e.signalid == 0) return -1;  // an empty slot ends the probe
  }
  return -1;
}

long long Circom_CalcWit::getInputSignalSize(u64 h) {
  const long long pos = getInputSignalHashPosition(h);
  return pos < 0 ? -1 : (long long)circuit->InputHashMap[pos].signalsize;
}

void Circom_CalcWit::setInputSignal(u64 h, uint i, FrElement& val) {
  const long long pos = getInputSignalHashPosition(h);
  if (pos < 0) throw zkm_witness::Failure("signal not found");
  const HashSignalInfo& e = circuit->InputHashMap[pos];
  if (i >= e.signalsize) throw zkm_witness::Failure("input signal array access exceeds the size");
  const u64 si = e.signalid + i;
  const u64 start = get_main_input_signal_start();
  if (si < start || si - start >= get_main_input_signal_no()) throw zkm_witness::Failure("input signal outside the main inputs");
  if (inputSignalAssigned[si - start]) throw zkm_witness::Failure("signal assigned twice");
  if (inputSignalAssignedCounter == 0) throw zkm_witness::Failure("too many signals set");
  signalValues[si] = val;
  inputSignalAssigned[si - start] = true;
  inputSignalAssignedCounter--;
  if (inputSignalAssignedCounter == 0) run(this);
}

std::string Circom_CalcWit::getTrace(u64 id_cmp) {
  if (id_cmp == 0) return componentMemory[id_cmp].componentName;
  return getTrace(componentMemory[id_cmp].idFather) + "." + componentMemory[id_cmp].componentName;
}

std::string Circom_CalcWit::generate_position_array(uint* dimensions, uint size_dimensions, uint index) {
  std::string positions;
  for (uint i = 0; i < size_dimensions; i++) {
    const uint d = dimensions[size_dimensions - 1 - i];
    positions = "[" + std::to_string(index % d) + "]" + positions;
    index /= d;
  }
  return positions;
}
