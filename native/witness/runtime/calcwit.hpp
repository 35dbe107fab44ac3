// zkmargin's stand-in for circom's calcwit.hpp: the witness context the generated code runs in.
// Failed checks (circom `assert`, `===` checked at witness time, internal consistency checks) throw
// zkm_witness::Failure instead of aborting, so the driver can report them and exit cleanly.
#ifndef ZKM_WITNESS_CALCWIT_HPP
#define ZKM_WITNESS_CALCWIT_HPP

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "circom.hpp"
#include "failure.hpp"
#include "fr.hpp"


u64 fnv1a(std::string s);

class Circom_CalcWit {
  bool* inputSignalAssigned;
  uint inputSignalAssignedCounter;
  Circom_Circuit* circuit;
  void* signalBase = nullptr;  // the mapping signalValues lies in (none: new[])
  size_t signalLength = 0;

 public:
  FrElement* signalValues;
  Circom_Component* componentMemory;
  FrElement* circuitConstants;
  IOSignalInfoTable templateInsId2IOSignalInfo;
  IOFieldDefPair* busInsId2FieldInfo;
  std::string* listOfTemplateMessages;

  // used by templates marked `parallel` (none of zkmargin's)
  std::mutex numThreadMutex;
  std::condition_variable ntcvs;
  int numThread;
  int maxThread;

  explicit Circom_CalcWit(Circom_Circuit* aCircuit, uint maxTh = 1);
  ~Circom_CalcWit();

  // -1 when the main component has no input of that name.
  long long getInputSignalSize(u64 h);
  void setInputSignal(u64 h, uint i, FrElement& val);
  uint getRemaingInputsToBeSet() const { return inputSignalAssignedCounter; }
  void getWitness(uint idx, PFrElement val) { Fr_copy(val, &signalValues[circuit->witness2SignalList[idx]]); }

  std::string getTrace(u64 id_cmp);
  std::string generate_position_array(uint* dimensions, uint size_dimensions, uint index);

 private:
  long long getInputSignalHashPosition(u64 h);
};

typedef void (*Circom_TemplateFunction)(uint __cIdx, Circom_CalcWit* __ctx);

// The generated code includes <assert.h> before this header: from here on, assert() throws.
#undef assert
#define assert(e) ((e) ? (void)0 : ::zkm_witness::assertFailed(#e, __FILE__, __LINE__))

#endif
