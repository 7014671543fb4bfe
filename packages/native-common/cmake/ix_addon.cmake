# The CMake setup every ix backend addon shares (include it after project()):
#   ix_napi_addon(<target>)  makes <target> a Node-API addon (.node, NAPI 8, C++ exceptions as JS
#   errors) with node-addon-api's and this package's headers on its include path.
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()

execute_process(COMMAND node -p "require('node-addon-api').include"
                WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                OUTPUT_VARIABLE IX_NODE_ADDON_API_DIR OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REPLACE "\"" "" IX_NODE_ADDON_API_DIR "${IX_NODE_ADDON_API_DIR}")
get_filename_component(IX_NATIVE_COMMON_INCLUDE "${CMAKE_CURRENT_LIST_DIR}/../include" ABSOLUTE)

function(ix_napi_addon target)
  set_target_properties(${target} PROPERTIES PREFIX "" SUFFIX ".node")
  target_include_directories(${target} PRIVATE ${CMAKE_JS_INC} ${IX_NODE_ADDON_API_DIR} ${IX_NATIVE_COMMON_INCLUDE} ${CMAKE_SOURCE_DIR}/native)
  target_link_libraries(${target} PRIVATE ${CMAKE_JS_LIB})
  target_compile_definitions(${target} PRIVATE NAPI_VERSION=8 NODE_ADDON_API_CPP_EXCEPTIONS NODE_ADDON_API_CPP_EXCEPTIONS_ALL)
endfunction()
