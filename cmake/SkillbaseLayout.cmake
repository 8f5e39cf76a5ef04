# Where the programs look by default, decided before the subdirectories
# define their cache variables.
#
# A development build (the default) keeps everything in the checkout: the
# store and the sockets in var/, the calendar, notice templates and subsidy
# rules in data/. A build for installation on a server (-DSB_FHS_LAYOUT=ON,
# what the Debian package uses, with CMAKE_INSTALL_PREFIX=/usr) points the
# defaults where the package and its systemd units put things: the store in
# /var/lib/skillbase, the ipc endpoints in /run/skillbase, the data in
# <prefix>/share/skillbase. Each stays a cache variable that -D can set.
include(GNUInstallDirs)

option(SB_FHS_LAYOUT "Default paths for an installed system (/var/lib/skillbase, /run/skillbase, <prefix>/share/skillbase)" OFF)

if(SB_FHS_LAYOUT)
  set(SB_DEFAULT_STATE_DIR "/var/lib/skillbase" CACHE PATH "State directory default")
  set(SB_DEFAULT_RUNTIME_DIR "/run/skillbase" CACHE PATH
      "Directory of the daemon's ipc sockets, for the clients' default endpoint")
  set(SB_DATA_DIR "${CMAKE_INSTALL_FULL_DATADIR}/skillbase")
  set(SB_CONFIG_EXAMPLE "${CMAKE_INSTALL_FULL_SYSCONFDIR}/skillbase/skillbase.ini")
else()
  set(SB_DEFAULT_STATE_DIR "${PROJECT_SOURCE_DIR}/var" CACHE PATH "State directory default")
  set(SB_DEFAULT_RUNTIME_DIR "${SB_DEFAULT_STATE_DIR}" CACHE PATH
      "Directory of the daemon's ipc sockets, for the clients' default endpoint")
  set(SB_DATA_DIR "${PROJECT_SOURCE_DIR}/data")
  set(SB_CONFIG_EXAMPLE "${PROJECT_SOURCE_DIR}/config/skillbase.ini")
endif()
set(SB_DEFAULT_CALENDAR "${SB_DATA_DIR}/calendar/cn-workdays.tsv" CACHE FILEPATH
    "Working-day calendar used when neither --calendar nor [deadlines] calendar names one")
set(SB_DEFAULT_NOTICES_DIR "${SB_DATA_DIR}/notices" CACHE PATH
    "Notice templates skillbase-notify uses when [notify] templates_dir is not set")
set(SB_DEFAULT_PUBLICITY_DIR "${SB_DATA_DIR}/publicity" CACHE PATH
    "The publicity list's HTML template and objection text (skillbasectl publicity-list)")
set(SB_DEFAULT_SUBSIDY_RULES "${SB_DATA_DIR}/subsidy/rules.example.json" CACHE FILEPATH
    "Subsidy rules skillbase-subsidy uses when [subsidy] rules is not set")
