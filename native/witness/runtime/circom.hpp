// zkmargin's stand-in for circom's circom.hpp: the types that circom's generated C++ (--c) uses,
// without GMP. The generated <circuit>.cpp is compiled against this folder (see README.md).
#ifndef ZKM_WITNESS_CIRCOM_HPP
#define ZKM_WITNESS_CIRCOM_HPP

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "fr.hpp"

typedef unsigned long long u64;
typedef uint32_t u32;
typedef uint8_t u8;
typedef unsigned int uint;

// One entry of the main component's input table (open addressing on the FNV-1a hash of the name).
struct __attribute__((__packed__)) HashSignalInfo {
  u64 hash;
  u64 signalid;
  u64 signalsize;
};

struct IOFieldDef {
  u32 offset;
  u32 len;
  u32* lengths;
  u32 size;
  u32 busId;
};

struct IOFieldDefPair {
  u32 len;
  IOFieldDef* defs;
};

// Template id -> the layout of its array-valued inputs and outputs (circom uses a std::map; ids are
// small, so a table does, and its lookup inlines in unoptimised code).
struct IOSignalInfoTable {
  IOFieldDefPair* entries = nullptr;
  u32 size = 0;
  ZKM_WITNESS_INLINE IOFieldDefPair& operator[](u32 id) { return entries[id]; }
};

struct Circom_Circuit {
  HashSignalInfo* InputHashMap;
  u64* witness2SignalList;
  FrElement* circuitConstants;
  IOSignalInfoTable templateInsId2IOSignalInfo;
  IOFieldDefPair* busInsId2FieldInfo;
};

struct Circom_Component {
  u32 templateId;
  u64 signalStart;
  u32 inputCounter;
  std::string templateName;
  std::string componentName;
  u64 idFather;
  u32* subcomponents = nullptr;
  bool* subcomponentsParallel = nullptr;
  bool* outputIsSet = nullptr;
  std::mutex* mutexes = nullptr;
  std::condition_variable* cvs = nullptr;
  std::thread* sbct = nullptr;
};

// Defined by the generated code.
uint get_main_input_signal_start();
uint get_main_input_signal_no();
uint get_total_signal_no();
uint get_number_of_components();
uint get_size_of_input_hashmap();
uint get_size_of_witness();
uint get_size_of_constants();
uint get_size_of_io_map();
uint get_size_of_bus_field_map();

#endif
