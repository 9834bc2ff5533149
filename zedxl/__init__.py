"""zedxl: follow-up of a Peruvian public entity's Plan Operativo Institucional (POI), with Excel as the UI."""

__version__ = "0.1.0"
TEMPLATE_VERSION = "1.3"
