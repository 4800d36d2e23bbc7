# CMake package for libclerkauth: find_package(clerkauth) then link clerkauth::clerkauth (shared)
# or clerkauth::clerkauth_static. Relocatable: paths are found from this file's location
# (<prefix>/lib/cmake/clerkauth/), so an unpacked release tarball works from anywhere
# (CMAKE_PREFIX_PATH=<unpacked dir>) as does `make -C ffi install`.
get_filename_component(_clerkauth_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
set(clerkauth_INCLUDE_DIRS "${_clerkauth_prefix}/include")
set(_clerkauth_libdir "${_clerkauth_prefix}/lib")

if(NOT TARGET clerkauth::clerkauth)
  if(APPLE)
    set(_clerkauth_shared "${_clerkauth_libdir}/libclerkauth.dylib")
  elseif(WIN32)
    set(_clerkauth_shared "${_clerkauth_prefix}/bin/clerkauth.dll")
    set(_clerkauth_implib "${_clerkauth_libdir}/clerkauth.dll.lib")
  else()
    set(_clerkauth_shared "${_clerkauth_libdir}/libclerkauth.so")
  endif()
  add_library(clerkauth::clerkauth SHARED IMPORTED)
  set_target_properties(clerkauth::clerkauth PROPERTIES
    IMPORTED_LOCATION "${_clerkauth_shared}"
    INTERFACE_INCLUDE_DIRECTORIES "${clerkauth_INCLUDE_DIRS}")
  if(WIN32)
    set_target_properties(clerkauth::clerkauth PROPERTIES IMPORTED_IMPLIB "${_clerkauth_implib}")
  endif()
endif()

if(NOT TARGET clerkauth::clerkauth_static)
  # The static archive carries Rust's std: link the system libraries it needs after it.
  find_package(Threads REQUIRED)
  if(WIN32)
    set(_clerkauth_static "${_clerkauth_libdir}/clerkauth.lib")
    set(_clerkauth_syslibs ws2_32 userenv ntdll bcrypt advapi32 kernel32)
  else()
    set(_clerkauth_static "${_clerkauth_libdir}/libclerkauth.a")
    set(_clerkauth_syslibs Threads::Threads ${CMAKE_DL_LIBS})
    if(APPLE)
      list(APPEND _clerkauth_syslibs "-framework CoreFoundation" "-framework Security" iconv)
    else()
      list(APPEND _clerkauth_syslibs m rt util)
    endif()
  endif()
  add_library(clerkauth::clerkauth_static STATIC IMPORTED)
  set_target_properties(clerkauth::clerkauth_static PROPERTIES
    IMPORTED_LOCATION "${_clerkauth_static}"
    INTERFACE_INCLUDE_DIRECTORIES "${clerkauth_INCLUDE_DIRS}"
    INTERFACE_LINK_LIBRARIES "${_clerkauth_syslibs}")
endif()

set(clerkauth_LIBRARIES clerkauth::clerkauth)
set(clerkauth_FOUND TRUE)
unset(_clerkauth_prefix)
unset(_clerkauth_libdir)
unset(_clerkauth_shared)
unset(_clerkauth_implib)
unset(_clerkauth_static)
unset(_clerkauth_syslibs)
