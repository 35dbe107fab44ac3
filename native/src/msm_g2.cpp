#include "msm.hpp"

namespace zkm {
template Jacobian<Fq2> msm<Fq2>(const uint8_t*, const U256*, size_t, const MsmOptions&);
}
