// The machine a report ran on (the timings mean little without it).
#ifndef PICNIC_TOOLS_REPORT_MACHINE_H_
#define PICNIC_TOOLS_REPORT_MACHINE_H_

#include <string>

namespace picnic_report {

// /proc/cpuinfo's first "model name"; "unknown" without one.
std::string CpuModel();

}  // namespace picnic_report

#endif  // PICNIC_TOOLS_REPORT_MACHINE_H_
