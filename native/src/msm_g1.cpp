#include "msm.hpp"

namespace zkm {
template Jacobian<Fq> msm<Fq>(const uint8_t*, const U256*, size_t, const MsmOptions&);
}
