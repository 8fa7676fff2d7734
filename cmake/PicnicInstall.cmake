# `cmake --install <build> [--prefix P]` (README, "Library"):
#   bin/picnic                           the command line
#   lib/libpicnic_codec, libpicnic_engine  static or shared (BUILD_SHARED_LIBS)
#   include/picnic/                      public headers
#   lib/cmake/picnic/                    find_package(picnic CONFIG): picnic::codec, picnic::engine
#   lib/pkgconfig/picnic.pc              pkg-config: codec and engine
#   share/picnic/weights/                integer weights (.pnq) and model cards
#   share/doc/picnic/                    README.md, FORMAT.md
# and, in LibTorch builds, the component `model`: lib/libpicnic_model, its
# headers, picnic::model (find_package(picnic COMPONENTS model)) and the
# float weights (.pnw). Everything else is the component `core`.
include(CMakePackageConfigHelpers)

install(TARGETS picnic_codec picnic_engine EXPORT picnic-targets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT core
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT core
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT core)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/codec/include/picnic ${PROJECT_SOURCE_DIR}/engine/include/picnic
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT core)
install(EXPORT picnic-targets NAMESPACE picnic:: DESTINATION ${PICNIC_INSTALL_CMAKEDIR} COMPONENT core)
# weights/resume/ holds training state for the next session, not a model.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/weights/ DESTINATION ${PICNIC_INSTALL_WEIGHTSDIR} COMPONENT core
        FILES_MATCHING PATTERN "*.pnq" PATTERN "*.md" PATTERN "resume" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/codec/FORMAT.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT core)

if(PICNIC_WITH_TORCH)
  install(TARGETS picnic_model EXPORT picnic-model-targets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT model
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT model
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT model)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/model/include/picnic
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT model)
  install(EXPORT picnic-model-targets NAMESPACE picnic:: DESTINATION ${PICNIC_INSTALL_CMAKEDIR}
          COMPONENT model)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/weights/ DESTINATION ${PICNIC_INSTALL_WEIGHTSDIR} COMPONENT model
          FILES_MATCHING PATTERN "*.pnw" PATTERN "resume" EXCLUDE)
endif()

# The CMake package. Static libraries bring their own dependencies along.
if(BUILD_SHARED_LIBS)
  set(PICNIC_SHARED_LIBS ON)
else()
  set(PICNIC_SHARED_LIBS OFF)
endif()
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/picnic-config.cmake.in
                              ${PROJECT_BINARY_DIR}/picnic-config.cmake
                              INSTALL_DESTINATION ${PICNIC_INSTALL_CMAKEDIR})
# The C++ API is versioned by the package version: a release that changes it
# incompatibly changes the major version, before 1.0 the minor (README,
# "Library").
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(picnic_compatibility SameMinorVersion)
else()
  set(picnic_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/picnic-config-version.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY ${picnic_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/picnic-config.cmake ${PROJECT_BINARY_DIR}/picnic-config-version.cmake
        DESTINATION ${PICNIC_INSTALL_CMAKEDIR} COMPONENT core)

# pkg-config, relocatable: paths relative to the .pc file's own folder. With
# static libraries, libpng, zlib and the thread library are needed by every
# program, so they are public (plain `pkg-config --libs picnic` links).
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(PICNIC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH picnic_pc_to_prefix ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
  string(REGEX REPLACE "/$" "" picnic_pc_to_prefix "${picnic_pc_to_prefix}")
  set(PICNIC_PC_PREFIX "\${pcfiledir}/${picnic_pc_to_prefix}")
endif()
foreach(dir LIBDIR INCLUDEDIR DATADIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(PICNIC_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(PICNIC_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
set(picnic_pc_deps_libs "-pthread")
if(CMAKE_DL_LIBS)
  string(APPEND picnic_pc_deps_libs " -l${CMAKE_DL_LIBS}")
endif()
if(BUILD_SHARED_LIBS)
  set(PICNIC_PC_REQUIRES "Requires.private")
  set(PICNIC_PC_LIBS "")
  set(PICNIC_PC_LIBS_PRIVATE "${picnic_pc_deps_libs}")
else()
  set(PICNIC_PC_REQUIRES "Requires")
  set(PICNIC_PC_LIBS " ${picnic_pc_deps_libs}")
  set(PICNIC_PC_LIBS_PRIVATE "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/picnic.pc.in ${PROJECT_BINARY_DIR}/picnic.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/picnic.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT core)
