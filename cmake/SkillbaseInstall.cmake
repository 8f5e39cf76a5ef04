# Installation beyond the programs (each subdirectory installs its own):
# systemd units, the server configuration, data, man pages, the system
# user, and the Debian package. docs/operations.md describes the result.
#
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_TESTS=OFF \
#         -DCMAKE_INSTALL_PREFIX=/usr -DSB_FHS_LAYOUT=ON
#   cmake --build build-pkg -j
#   (cd build-pkg && cpack -G DEB)          # skillbase_<version>_<arch>.deb
#
# Paths written into the units and the configuration are the install
# prefix's: with /usr, /usr/sbin/skillbased, /usr/bin/skillbase-notify,
# /etc/skillbase/skillbase.ini, /usr/share/skillbase.

set(SB_FULL_SBINDIR "${CMAKE_INSTALL_FULL_SBINDIR}")
set(SB_FULL_BINDIR "${CMAKE_INSTALL_FULL_BINDIR}")
set(SB_FULL_CONFIG_DIR "${CMAKE_INSTALL_FULL_SYSCONFDIR}/skillbase")
set(SB_FULL_CONFIG_FILE "${SB_FULL_CONFIG_DIR}/skillbase.ini")

# The systemd system unit directory, relative to the prefix so that DESTDIR
# and --prefix relocate it: systemd's own answer under our prefix
# (lib/systemd/system), else that default.
set(_sb_unit_dir "lib/systemd/system")
find_program(SB_PKG_CONFIG pkg-config)
if(SB_PKG_CONFIG)
  execute_process(
    COMMAND ${SB_PKG_CONFIG} --define-variable=rootprefix=${CMAKE_INSTALL_PREFIX}
            --define-variable=prefix=${CMAKE_INSTALL_PREFIX} --variable=systemdsystemunitdir systemd
    OUTPUT_VARIABLE _sb_pc_unit_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  string(FIND "${_sb_pc_unit_dir}" "${CMAKE_INSTALL_PREFIX}/" _sb_at)
  if(_sb_pc_unit_dir AND _sb_at EQUAL 0)
    file(RELATIVE_PATH _sb_unit_dir "${CMAKE_INSTALL_PREFIX}" "${_sb_pc_unit_dir}")
  endif()
endif()
set(SB_SYSTEMD_UNIT_DIR "${_sb_unit_dir}" CACHE STRING
    "systemd system unit directory (relative: under the install prefix)")

set(_sb_gen "${PROJECT_BINARY_DIR}/install")
configure_file(${PROJECT_SOURCE_DIR}/systemd/skillbased.service.in
               ${_sb_gen}/skillbased.service @ONLY)
configure_file(${PROJECT_SOURCE_DIR}/systemd/skillbase-worker@.service.in
               ${_sb_gen}/skillbase-worker@.service @ONLY)
install(FILES ${_sb_gen}/skillbased.service ${_sb_gen}/skillbase-worker@.service
              ${PROJECT_SOURCE_DIR}/systemd/skillbase.target
        DESTINATION ${SB_SYSTEMD_UNIT_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/systemd/skillbase.sysusers
        DESTINATION lib/sysusers.d RENAME skillbase.conf)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/skillbase.tmpfiles
        DESTINATION lib/tmpfiles.d RENAME skillbase.conf)

# The server configuration, its data paths rewritten for the prefix.
file(READ ${PROJECT_SOURCE_DIR}/config/skillbase.production.ini _sb_conf)
string(REPLACE "/usr/share/skillbase" "${CMAKE_INSTALL_FULL_DATADIR}/skillbase" _sb_conf
       "${_sb_conf}")
file(WRITE ${_sb_gen}/skillbase.ini "${_sb_conf}")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/config/skillbase.production.ini)
install(FILES ${_sb_gen}/skillbase.ini DESTINATION ${SB_FULL_CONFIG_DIR}
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)

# Everything data/ holds: the holiday calendar, notice templates, subsidy
# rules (and whatever is added there later).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/ DESTINATION ${CMAKE_INSTALL_DATADIR}/skillbase)

# Man pages, and the documents they point to.
file(GLOB _sb_man1 ${PROJECT_SOURCE_DIR}/man/*.1)
file(GLOB _sb_man8 ${PROJECT_SOURCE_DIR}/man/*.8)
install(FILES ${_sb_man1} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${_sb_man8} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/proto/skillbase.proto
              ${PROJECT_SOURCE_DIR}/config/skillbase.ini
        DESTINATION ${CMAKE_INSTALL_DOCDIR})

# ------------------------------------------------------------ the Debian package
set(CPACK_PACKAGE_NAME "skillbase")
set(CPACK_PACKAGE_VENDOR "skillbase")
set(CPACK_PACKAGE_CONTACT "skillbase maintainers <skillbase@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "certification workflow for public training sub-bases (daemon, workers, CLI)")
set(CPACK_PACKAGE_DESCRIPTION
    "skillbase runs the certification of public-training sub-bases: applications, review,\n\
publicity, certification, biennial assessment and revocation, as state machines in an\n\
LMDB store owned by the daemon skillbased, with workers for notices, deadlines and\n\
subsidies, the operators' CLI skillbasectl, and systemd units (skillbase.target).")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_GENERATOR "DEB")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Library dependencies from the binaries themselves (dpkg-shlibdeps), plus
# what the maintainer scripts and the units use (adduser; kill for
# ExecReload).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${_sb_gen}/conffiles)
# dpkg keeps an operator's edits of the configuration across upgrades.
file(WRITE ${_sb_gen}/conffiles "${SB_FULL_CONFIG_FILE}\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
