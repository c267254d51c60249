# tocsin_add_plugin(<name> SOURCES ...): a channel/transport plugin <name>.so, built as a MODULE
# into <build>/plugins (usable through TOCSIN_PLUGIN_PATH) and installed into the plugin dir.
# Only tocsin_plugin_get_descriptor is exported (plugin.map).
function(tocsin_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT P_OUTPUT_DIRECTORY)
    set(P_OUTPUT_DIRECTORY "${TOCSIN_BUILD_PLUGINDIR}")
  endif()
  add_library(plugin-${name} MODULE ${P_SOURCES})
  set_target_properties(plugin-${name} PROPERTIES
    OUTPUT_NAME "${name}" PREFIX "" LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIRECTORY}"
    LINK_DEPENDS "${PROJECT_SOURCE_DIR}/cmake/plugin.map")
  target_compile_definitions(plugin-${name} PRIVATE G_LOG_DOMAIN="tocsin-${name}")
  target_link_libraries(plugin-${name} PRIVATE tocsin ${P_LIBRARIES})
  target_link_options(plugin-${name} PRIVATE
    "LINKER:--version-script=${PROJECT_SOURCE_DIR}/cmake/plugin.map" "LINKER:--no-undefined")
  if(NOT P_NO_INSTALL)
    install(TARGETS plugin-${name} LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}/tocsin-${TOCSIN_API_VERSION}/plugins")
  endif()
endfunction()
