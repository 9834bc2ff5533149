Attribute VB_Name = "zedxl_botones"
' Macros of the Panel sheet's buttons. Written by zedxl each time it writes the master: edits made here
' are lost. Each macro runs a function of the Python package zedxl through xlwings' RunPython.
Option Explicit

Public Sub Recalcular()
    RunPython "import zedxl.excel; zedxl.excel.recalcular()"
End Sub

Public Sub Validar()
    RunPython "import zedxl.excel; zedxl.excel.validar()"
End Sub

Public Sub Consolidar()
    RunPython "import zedxl.excel; zedxl.excel.consolidar()"
End Sub

Public Sub GenerarInforme()
    RunPython "import zedxl.excel; zedxl.excel.generar_informe()"
End Sub
