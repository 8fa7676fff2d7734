// The `picnic` command line. Subcommands live in their own files; exit codes
// are 0 (ok), 1 (a file failed) and 2 (usage error).
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "command.h"
#include "picnic/engine.h"
#include "torch_plugin.h"

namespace {

// The first word that is not an option: the command, if any.
std::string CommandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') return argv[i];
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) write() then fails with EFBIG, which
  // is reported and cleaned up like a full disk, instead of killing picnic
  // with its temporary file left behind.
  std::signal(SIGXFSZ, SIG_IGN);
  CliContext ctx;
  CLI::App app("picnic: lossless image compression with a learned (PixelCNN++) "
               "probability model",
               "picnic");
  std::string kernels;
  for (picnic::KernelPath p : picnic::AvailableKernelPaths()) kernels += std::string(" ") + picnic::KernelPathName(p);
  app.set_version_flag("--version", std::string("picnic ") + picnic::VersionString() +
                                        "\nfile format 1.9: reads any 1.x file; writes the lowest minor its fields need (1.1 "
                                        "metadata, 1.2 per-image model parameters, 1.3 tile modes, 1.4 an exact "
                                        "enlargement, 1.9 an orientation, which compress -e 3 chooses, with flag "
                                        "bit 7) and, with the exact engine, flag bit 3 (1.5: online "
                                        "recalibration; compress --no-recalibrate leaves it out), bit 4 (1.6: "
                                        "an online calibration map; --no-calibration-map leaves it out), "
                                        "bit 5 (1.7: error feedback; --no-error-feedback leaves it out) and "
                                        "bit 6 (1.8: annealed steps; set whenever bit 3 is)\n" +
                                        "exact engine arithmetic: " + std::to_string(picnic::kEngineArithmeticVersion) +
                                        "\nengine kernel paths on this CPU:" + kernels);
  app.require_subcommand(1);
  // Global flags may come after the subcommand too: picnic compress x.png -v
  app.fallthrough();
  bool quiet = false;
  bool verbose = false;
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
  app.add_flag("-v,--verbose", verbose, "Print a line per file (size, bits/subpixel, time)");
  app.footer(
      "Examples:\n"
      "  picnic compress photo.png          # writes photo.pnc\n"
      "  picnic decompress photo.pnc -o copy.png\n"
      "  picnic info photo.pnc\n"
      "Run 'picnic SUBCOMMAND --help' for the options of each.\n"
      "Exit status: 0 ok, 1 a file failed (see the message on stderr), 2 usage error.");
  // Verbosity must be known before any subcommand callback runs.
  app.parse_complete_callback([&]() { ctx.verbosity = quiet ? 0 : (verbose ? 2 : 1); });

  AddCompressCommand(app, ctx);
  AddDecompressCommand(app, ctx);
  AddInfoCommand(app, ctx);
  AddCompareCommand(app, ctx);
  // The LibTorch commands come from the plugin, loaded only when the command
  // is not one of the above (so compress and decompress never load LibTorch).
  const std::string word = CommandWord(argc, argv);
  bool version = false;
  for (int i = 1; i < argc; ++i) version |= std::string(argv[i]) == "--version";
  bool core = false;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) core |= sub->get_name() == word;
  if (!version && !core) {
    std::string why;
    if (const TorchPlugin* plugin = LoadTorchPlugin(&why)) {
      plugin->add_commands(app, ctx);
    } else if (IsTorchCommand(word)) {
      std::fprintf(stderr, "picnic: '%s' needs LibTorch: %s\n", word.c_str(), why.c_str());
      return picnic_cli::kExitFailure;
    }
  }

  // The first word that is not an option must be a command (top-level
  // options are all flags). CLI11 alone would answer "picnic frobnicate" with
  // "a subcommand is required" and "picnic frobnicate --help" with the
  // top-level help and exit 0; both are usage errors naming the word.
  auto unknown_command = [&]() -> bool {
    std::string commands;
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      names.push_back(sub->get_name());  // hidden ones (compare) included
      if (sub->get_group().empty()) continue;
      commands += (commands.empty() ? "" : ", ") + sub->get_name();
    }
    for (int i = 1; i < argc; ++i) {
      if (argv[i][0] == '-') continue;
      for (const std::string& name : names) {
        if (name == argv[i]) return false;
      }
      std::fprintf(stderr,
                   "picnic: unknown command '%s' (commands: %s)\n"
                   "Run with --help for more information.\n",
                   argv[i], commands.c_str());
      return true;
    }
    return false;
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    if (unknown_command()) return picnic_cli::kExitUsage;
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty() && unknown_command()) return picnic_cli::kExitUsage;
    app.exit(e);
    return picnic_cli::kExitUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "picnic: out of memory\n");
    return picnic_cli::kExitFailure;
  } catch (const std::exception& e) {
    // Errors are values in picnic; reaching here is a bug, but say so plainly.
    std::fprintf(stderr, "picnic: internal error: %s\n", e.what());
    return picnic_cli::kExitFailure;
  }
  return ctx.exit_code;
}
