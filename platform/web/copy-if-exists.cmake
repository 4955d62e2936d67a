# cmake -DDEST=dir -DFILES=a;b -P copy-if-exists.cmake: copy the FILES that exist into DEST.
foreach(f ${FILES})
    if(EXISTS ${f})
        file(COPY ${f} DESTINATION ${DEST})
    endif()
endforeach()
