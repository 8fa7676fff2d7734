# How each of picnic's libraries is built. Its sources compile once, with
# hidden visibility and position-independent code, into <name>_objects, and
# from those objects come
#   <name>           the library that is installed (picnic::<export name>):
#                    static or shared as BUILD_SHARED_LIBS says; a shared one
#                    exports only what the public headers mark PICNIC_EXPORT
#                    (picnic/visibility.h);
#   <name>_internal  the same objects as a static library, for the tests that
#                    reach past the public API (in a static build, another
#                    name for <name>).
#
# picnic_add_library(<name> <export name> SOURCES <file>...
#                    [DEPENDS <picnic library>...] [LIBRARIES <library>...])
# DEPENDS: picnic libraries whose headers are part of this one's interface.
# LIBRARIES: other libraries this one uses; private once installed, public in
# the build tree, whose tests and tools write PNG and zlib streams themselves.
function(picnic_add_library name export_name)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "SOURCES;DEPENDS;LIBRARIES")
  set(include_dir ${CMAKE_CURRENT_SOURCE_DIR}/include)

  add_library(${name}_objects OBJECT ${arg_SOURCES})
  set_target_properties(${name}_objects PROPERTIES
    POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_include_directories(${name}_objects PUBLIC ${include_dir}
                                             PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)

  add_library(${name} $<TARGET_OBJECTS:${name}_objects>)
  add_library(picnic::${export_name} ALIAS ${name})
  # The soname changes with every ABI change (README, "Library"): with the
  # major version, and before 1.0 with the minor version too (.so.0.3).
  if(PROJECT_VERSION_MAJOR EQUAL 0)
    set(picnic_soversion 0.${PROJECT_VERSION_MINOR})
  else()
    set(picnic_soversion ${PROJECT_VERSION_MAJOR})
  endif()
  set_target_properties(${name} PROPERTIES EXPORT_NAME ${export_name}
    VERSION ${PROJECT_VERSION} SOVERSION ${picnic_soversion})
  target_include_directories(${name} PUBLIC $<BUILD_INTERFACE:${include_dir}>
                                            $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_compile_features(${name} PUBLIC cxx_std_17)

  if(BUILD_SHARED_LIBS)
    add_library(${name}_internal STATIC $<TARGET_OBJECTS:${name}_objects>)
    target_include_directories(${name}_internal PUBLIC ${include_dir})
  else()
    add_library(${name}_internal ALIAS ${name})
  endif()

  foreach(dep IN LISTS arg_DEPENDS)
    target_link_libraries(${name}_objects PUBLIC ${dep}_objects)
    target_link_libraries(${name} PUBLIC ${dep})
    if(BUILD_SHARED_LIBS)
      target_link_libraries(${name}_internal PUBLIC ${dep}_internal)
    endif()
  endforeach()
  foreach(lib IN LISTS arg_LIBRARIES)
    target_link_libraries(${name}_objects PUBLIC ${lib})
    target_link_libraries(${name} PRIVATE ${lib} INTERFACE $<BUILD_INTERFACE:${lib}>)
    if(BUILD_SHARED_LIBS)
      target_link_libraries(${name}_internal PUBLIC ${lib})
    endif()
  endforeach()
endfunction()
